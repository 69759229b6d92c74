import type { ReadableError } from '../messages';
import { Link, scanPath } from '../router';

/** Readable errors, for an aria-live region: title, the API's words, advice. */
export function ErrorNotice({ errors }: { errors: readonly ReadableError[] }) {
  if (errors.length === 0) return null;
  return (
    <div className="notice error">
      {errors.map((e, i) => (
        <p key={i}>
          <strong>{e.title}</strong>
          {e.detail ? <> ({e.detail})</> : null}
          {e.advice ? <> {e.advice}</> : null}
          {e.scanId ? (
            <>
              {' '}
              <Link to={scanPath(e.scanId)}>Open the running scan</Link>
            </>
          ) : null}
        </p>
      ))}
    </div>
  );
}

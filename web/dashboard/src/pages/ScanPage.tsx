import { useCallback, useEffect, useRef, useState } from 'react';

import { type ApiError, graphql, toApiError } from '../api';
import { ProgressBar } from '../components/bars';
import { CancelButton } from '../components/CancelButton';
import { ChangesList } from '../components/ChangesList';
import { ErrorNotice } from '../components/ErrorNotice';
import { isActive, ScanErrorText, StatusText } from '../components/status';
import { duration, hostPort, time } from '../format';
import { readableAll, type ReadableError } from '../messages';
import {
  SCAN,
  SCAN_PROGRESS,
  type ScanData,
  type ScanDetail,
  type ScanProgressData,
} from '../queries';
import { hostPath, Link } from '../router';
import { useSession } from '../session';
import { ResultView } from './ResultView';

/**
 * One scan: its state, steps and results. While it runs, `scanProgress`
 * events trigger a re-read of the scan (one at a time; events that arrive
 * during a read cause one more read after it), so steps and results fill in
 * as each probe ends.
 */
export function ScanPage({ id }: { id: string }) {
  const { token, live } = useSession();
  const [scan, setScan] = useState<ScanDetail | null | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [actionErrors, setActionErrors] = useState<ReadableError[]>([]);
  const reading = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const read = useCallback(async (): Promise<void> => {
    if (reading.current) {
      again.current = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        again.current = false;
        try {
          const data = await graphql<ScanData>(token, SCAN, { id });
          setScan(data.scan);
          setError(null);
        } catch (e) {
          setError(toApiError(e));
        }
      } while (again.current);
    };
    reading.current = run().finally(() => {
      reading.current = null;
    });
  }, [token, id]);

  useEffect(() => {
    setScan(undefined);
    void read();
    const unsubscribe = live.subscribe<ScanProgressData>(
      SCAN_PROGRESS,
      { id },
      {
        next: () => void read(),
        error: (e) => setError(toApiError(e)),
        complete: () => void read(),
      },
    );
    return unsubscribe;
  }, [id, live, read]);

  if (scan === undefined && !error) return <p className="muted">Loading scan…</p>;
  if (scan === null || (scan === undefined && error)) {
    return (
      <>
        <h1>Scan not found</h1>
        {error ? (
          <ErrorNotice errors={readableAll(error)} />
        ) : (
          <p>There is no scan with the id {id}.</p>
        )}
        <p>
          <Link to="/">Back to all scans</Link>
        </p>
      </>
    );
  }
  if (!scan) return null;
  const label = `${scan.type} scan of ${hostPort(scan.host)}`;
  return (
    <>
      <p className="crumbs">
        <Link to="/">Scans</Link> / <Link to={hostPath(scan.host)}>{hostPort(scan.host)}</Link>
      </p>
      <h1>{label}</h1>
      <div aria-live="polite">{error ? <ErrorNotice errors={readableAll(error)} /> : null}</div>
      <section className="summary" aria-label="Summary">
        <p className="status-line">
          <StatusText status={scan.status} />
          {scan.currentStep && isActive(scan.status) ? (
            <span className="muted"> running {scan.currentStep}</span>
          ) : null}
        </p>
        <ProgressBar value={scan.progress} label={`Progress of the ${label}`} />
        {isActive(scan.status) ? (
          <div className="actions">
            <CancelButton
              scan={scan}
              onCancelled={() => {
                setActionErrors([]);
                void read();
              }}
              onError={setActionErrors}
            />
            {scan.cancelRequestedAt ? (
              <span className="muted">Cancellation requested {time(scan.cancelRequestedAt)}</span>
            ) : null}
          </div>
        ) : null}
        <div aria-live="assertive">
          <ErrorNotice errors={actionErrors} />
        </div>
        {scan.error ? (
          <p className="notice error">
            <ScanErrorText error={scan.error} />
          </p>
        ) : null}
        <dl className="facts">
          <dt>Requested by</dt>
          <dd>{scan.requestedBy}</dd>
          <dt>Login</dt>
          <dd>{scan.username ?? 'default'}</dd>
          <dt>Created</dt>
          <dd>{time(scan.createdAt)}</dd>
          <dt>Started</dt>
          <dd>{time(scan.startedAt)}</dd>
          <dt>Finished</dt>
          <dd>{time(scan.completedAt)}</dd>
          <dt>Duration</dt>
          <dd>{duration(scan.durationMs)}</dd>
          <dt>Attempt</dt>
          <dd>{scan.attempt}</dd>
          <dt>Worker</dt>
          <dd>{scan.workerId ?? '—'}</dd>
        </dl>
      </section>

      <section aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        {scan.steps.length === 0 ? (
          <p className="muted">No steps yet: the scan has not been claimed by a worker.</p>
        ) : (
          <table className="steps">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {scan.steps.map((s) => (
                <tr key={s.position}>
                  <th scope="row" data-label="Step">
                    {s.name}
                  </th>
                  <td data-label="Status">
                    <StatusText status={s.status} />
                  </td>
                  <td data-label="Started">{time(s.startedAt)}</td>
                  <td data-label="Duration">{duration(s.durationMs)}</td>
                  <td data-label="Error">{s.error ? <ScanErrorText error={s.error} /> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {scan.changes ? (
        <section aria-labelledby="changes-title">
          <h2 id="changes-title">What changed</h2>
          <ChangesList changes={scan.changes} />
        </section>
      ) : null}

      <section aria-labelledby="results-title">
        <h2 id="results-title">Results</h2>
        {scan.result ? (
          <ResultView result={scan.result} />
        ) : (
          <p className="muted">No results yet: they appear as each step finishes.</p>
        )}
      </section>
    </>
  );
}

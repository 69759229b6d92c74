import { type FormEvent, useRef, useState } from 'react';

import { graphql, toApiError } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { readable, type ReadableError } from '../messages';

/**
 * Sign in with an API token. The token is tried with a small query before it
 * is kept, so a wrong one is reported here rather than on every view.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ReadableError[]>([]);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setErrors([
        {
          title: 'Enter a token.',
          advice: 'An admin creates one with createApiKey; a first start prints the admin token.',
        },
      ]);
      input.current?.focus();
      return;
    }
    setBusy(true);
    setErrors([]);
    try {
      await graphql(t, 'query DashboardSignIn { scans(first: 1) { totalCount } }');
      onSignedIn(t);
    } catch (err) {
      setErrors(toApiError(err).details.map(readable));
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>hostscan</h1>
      <p>Live, agentless scans of your Linux hosts. Sign in with an API token.</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="token">Token</label>
          <input
            id="token"
            ref={input}
            type="password"
            name="token"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-describedby="token-hint"
            aria-invalid={errors.length ? true : undefined}
          />
          <p className="hint" id="token-hint">
            Kept in this browser tab only (sessionStorage) until you sign out or close it.
          </p>
        </div>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </div>
        <div className="live-region" aria-live="assertive" aria-atomic="true">
          <ErrorNotice errors={errors} />
        </div>
      </form>
    </main>
  );
}

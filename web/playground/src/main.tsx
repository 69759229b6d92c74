import '../../shared/csp-nonce';
// Monaco's editor, JSON and GraphQL workers, bundled as files under assets/.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';

import { GraphiQL } from 'graphiql';
import { type FormEvent, StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';

import { fetcherFor } from './connection';
import { EXAMPLE_TABS } from './examples';
import { loadToken, saveToken } from './token';

/**
 * GraphiQL fills the first tab's query from `defaultTabs` but not its
 * variables; on a first visit (no tabs kept in localStorage) give them too.
 */
function firstVisitVariables(): string | undefined {
  try {
    if (localStorage.getItem('graphiql:tabState')) return undefined;
  } catch {
    // Storage disabled: every visit is a first one.
  }
  return EXAMPLE_TABS[0]?.variables;
}

function Playground() {
  const [token, setToken] = useState(loadToken);
  const [draft, setDraft] = useState(token);
  const fetcher = useMemo(() => fetcherFor(token, window.location), [token]);

  const useToken = (event: FormEvent) => {
    event.preventDefault();
    const next = draft.trim();
    saveToken(next);
    setToken(next);
  };

  return (
    <div className="hs-page">
      <form className="hs-bar" onSubmit={useToken}>
        <span className="hs-name">hostscan</span>
        <label htmlFor="hs-token">Token</label>
        <input
          id="hs-token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="hsk_…"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Use token</button>
        <span className="hs-status" role="status">
          {token
            ? 'Token in use: sent as the Authorization header and on the WebSocket.'
            : 'No token: the API answers UNAUTHENTICATED until you enter one.'}
        </span>
      </form>
      <main className="hs-graphiql">
        <GraphiQL
          fetcher={fetcher}
          defaultTabs={EXAMPLE_TABS.map((tab) => ({ ...tab }))}
          initialVariables={firstVisitVariables()}
          defaultEditorToolsVisibility="variables"
        />
      </main>
    </div>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <Playground />
  </StrictMode>,
);

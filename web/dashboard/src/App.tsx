import { useCallback, useEffect, useRef, useState } from 'react';

import { HostPage } from './pages/HostPage';
import { ScanPage } from './pages/ScanPage';
import { ScansPage } from './pages/ScansPage';
import { SignIn } from './pages/SignIn';
import { Link, type Route, RouterProvider, useRoute } from './router';
import { SessionProvider, storedToken, storeToken, useLiveState, useSession } from './session';

export function App() {
  const [token, setToken] = useState<string | null>(storedToken);
  const signIn = useCallback((t: string) => {
    storeToken(t);
    setToken(t);
  }, []);
  const signOut = useCallback(() => {
    storeToken(null);
    setToken(null);
  }, []);
  return (
    <RouterProvider>
      {token ? (
        <SessionProvider token={token} onSignOut={signOut}>
          <Shell />
        </SessionProvider>
      ) : (
        <SignIn onSignedIn={signIn} />
      )}
    </RouterProvider>
  );
}

const LIVE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected: sign in again',
} as const;

function Shell() {
  const { signOut } = useSession();
  const liveState = useLiveState();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a client-side navigation, move focus to the new page's content
  // (as a full page load would), so keyboard and screen-reader users start there.
  const key = JSON.stringify(route);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [key]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          hostscan
        </Link>
        <nav aria-label="Main">
          <Link to="/" aria-current={route.name === 'scans' ? 'page' : undefined}>
            Scans
          </Link>
          <a href="/graphql">Playground</a>
        </nav>
        <span className={`live live-${liveState}`} role="status">
          {LIVE_TEXT[liveState]}
        </span>
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'scans':
      return <ScansPage />;
    case 'scan':
      return <ScanPage id={route.id} />;
    case 'host':
      return <HostPage hostname={route.hostname} port={route.port} />;
    case 'notFound':
      return (
        <>
          <h1>Page not found</h1>
          <p>
            Nothing lives at {route.path}. <Link to="/">Go to the scans</Link>.
          </p>
        </>
      );
  }
}

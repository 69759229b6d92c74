/**
 * The signed-in session: the token (kept in sessionStorage, so it lives as
 * long as the tab and is never written to disk by us) and the one live
 * graphql-ws connection made with it.
 */
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';

import { connectLive, type Live, type LiveState } from './live';

const KEY = 'hostscan.token';

export function storedToken(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) window.sessionStorage.removeItem(KEY);
    else window.sessionStorage.setItem(KEY, token);
  } catch {
    // Storage disabled: the session lasts until the page is reloaded.
  }
}

export interface Session {
  token: string;
  live: Live;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({
  token,
  onSignOut,
  children,
}: {
  token: string;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const live = useMemo(() => connectLive(token), [token]);
  useEffect(() => () => live.dispose(), [live]);
  const session = useMemo(() => ({ token, live, signOut: onSignOut }), [token, live, onSignOut]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in session');
  return s;
}

/** The live connection's state, re-rendering on each change. */
export function useLiveState(): LiveState {
  const { live } = useSession();
  const [state, setState] = useState<LiveState>(live.state);
  useEffect(() => {
    setState(live.state);
    return live.onState(setState);
  }, [live]);
  return state;
}

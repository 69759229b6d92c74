/**
 * A small history-API router: real links (so a keyboard, a middle click or
 * "open in new tab" all work), client-side navigation for plain clicks. The
 * service answers every dashboard path with the same page (src/api/web.ts).
 */
import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useContext,
  useEffect,
  useState,
} from 'react';

export type Route =
  | { name: 'scans' }
  | { name: 'scan'; id: string }
  | { name: 'host'; hostname: string; port: number }
  | { name: 'notFound'; path: string };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'scans' };
  let m = /^\/scans\/([^/]+)\/?$/.exec(pathname);
  if (m) return { name: 'scan', id: decodeURIComponent(m[1]!) };
  m = /^\/hosts\/([^/]+)\/(\d{1,5})\/?$/.exec(pathname);
  if (m) return { name: 'host', hostname: decodeURIComponent(m[1]!), port: Number(m[2]) };
  return { name: 'notFound', path: pathname };
}

export const scanPath = (id: string): string => `/scans/${encodeURIComponent(id)}`;
export const hostPath = (h: { hostname: string; port: number }): string =>
  `/hosts/${encodeURIComponent(h.hostname)}/${h.port}`;

const NavigateContext = createContext<(to: string) => void>(() => undefined);

export function navigate(to: string): void {
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The current route; re-renders on navigation. */
export function useRoute(): Route {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = (): void => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return parseRoute(path);
}

export function RouterProvider({ children }: { children: ReactNode }) {
  return <NavigateContext.Provider value={navigate}>{children}</NavigateContext.Provider>;
}

export function Link({
  to,
  children,
  ...rest
}: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const go = useContext(NavigateContext);
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    go(to);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

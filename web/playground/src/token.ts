/**
 * The token lives in sessionStorage: it survives a reload of this tab and is
 * gone when the tab closes. It is never put in GraphiQL's headers editor,
 * whose contents GraphiQL may keep in localStorage.
 */
const KEY = 'hostscan.token';

export function loadToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    // Storage disabled (privacy settings): the token lasts as long as the page.
    return '';
  }
}

export function saveToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // As above: nothing to keep it in.
  }
}

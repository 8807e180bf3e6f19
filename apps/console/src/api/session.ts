/**
 * The admin token lives in sessionStorage only: gone when the tab closes, never in a URL, a cookie or
 * localStorage, so another tab or a later visitor of this browser profile does not inherit it.
 */
const TOKEN_KEY = 'pgw.adminToken';

export function readToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

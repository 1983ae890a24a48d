/** The admin's access token, kept in localStorage so a reload keeps the console signed in. */
export interface StoredAuth {
  accessToken: string;
  expiresAt: string;
  user: { id: string; username: string; role: string };
}

const KEY = 'avatar-console.auth';

export function readAuth(): StoredAuth | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredAuth) : null;
  } catch {
    return null;
  }
}

export function writeAuth(auth: StoredAuth | null): void {
  if (auth) localStorage.setItem(KEY, JSON.stringify(auth));
  else localStorage.removeItem(KEY);
}

/** A token that expires within the next few seconds is treated as expired, so a request never races it. */
export function isExpired(auth: StoredAuth, now = Date.now()): boolean {
  return Date.parse(auth.expiresAt) - 5_000 <= now;
}

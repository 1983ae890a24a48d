import type { AuthProvider } from 'react-admin';
import { isExpired, readAuth, type StoredAuth, writeAuth } from './session';

/** Thrown to the login form; react-admin shows its message. */
class SignInError extends Error {}

/**
 * Signs in through `POST /api/auth/token`. Only ADMIN accounts may use the console: a valid USER or INTEGRATOR
 * sign-in is refused here, and its token is never stored.
 */
export const authProvider: AuthProvider = {
  async login({ username, password }: { username: string; password: string }) {
    let res: Response;
    try {
      res = await fetch(new URL('/api/auth/token', location.origin), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
    } catch {
      throw new SignInError('The API cannot be reached');
    }
    const body = (await res.json().catch(() => ({}))) as Partial<StoredAuth> & {
      error?: { message?: string };
    };
    if (!res.ok || !body.accessToken || !body.user || !body.expiresAt) {
      throw new SignInError(body.error?.message ?? `Sign-in failed (${res.status})`);
    }
    if (body.user.role !== 'ADMIN') {
      throw new SignInError(
        `Only administrators can use the console (${body.user.username} is ${body.user.role}).`,
      );
    }
    writeAuth({ accessToken: body.accessToken, expiresAt: body.expiresAt, user: body.user });
  },
  async logout() {
    writeAuth(null);
  },
  async checkAuth() {
    const auth = readAuth();
    if (!auth || isExpired(auth)) {
      writeAuth(null);
      throw new Error(auth ? 'Your session expired: sign in again' : 'Sign in');
    }
  },
  async checkError(error: { status?: number }) {
    // 401: the token expired or was revoked. The unsaved form survives in sessionStorage (FormDraft).
    if (error?.status === 401) {
      writeAuth(null);
      throw new Error('Your session expired: sign in again');
    }
  },
  async getIdentity() {
    const auth = readAuth();
    if (!auth) throw new Error('Not signed in');
    return { id: auth.user.id, fullName: auth.user.username };
  },
  async getPermissions() {
    return readAuth()?.user.role;
  },
};

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { UnauthenticatedError } from '../errors';
import type { Role } from '../generated/prisma/enums';

/**
 * Who is calling. `api` tokens come from sign-in (or OIDC); `session` tokens are minted by createSession,
 * live minutes, and open exactly one session's audio socket and event subscription.
 */
export interface Viewer {
  userId: string;
  username: string;
  role: Role;
  scope: 'api' | 'session';
  /** Set for session-scoped tokens. */
  sessionId?: string;
}

export interface TokenService {
  issueAccessToken(viewer: Omit<Viewer, 'scope' | 'sessionId'>): Promise<{ token: string; expiresAt: Date }>;
  issueSessionToken(
    viewer: Omit<Viewer, 'scope'> & { sessionId: string },
  ): Promise<{ token: string; expiresAt: Date }>;
  /** A few minutes' permission to download one privacy export, for a link. */
  issueDownloadToken(grant: {
    userId: string;
    requestId: string;
  }): Promise<{ token: string; expiresAt: Date }>;
  /** An access or session token; anything else (a download token) is refused. */
  verify(token: string): Promise<Viewer>;
  /** The export a download token grants. */
  verifyDownload(token: string): Promise<{ userId: string; requestId: string }>;
}

const DOWNLOAD_TTL_SECONDS = 300;

export function createTokenService(opts: {
  secret: Uint8Array;
  issuer: string;
  accessTtlSeconds: number;
  sessionTtlSeconds: number;
}): TokenService {
  const sign = async (claims: Record<string, unknown>, subject: string, ttl: number) => {
    const expiresAt = new Date(Date.now() + ttl * 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setIssuer(opts.issuer)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(opts.secret);
    return { token, expiresAt };
  };
  const verified = async (token: string) => {
    try {
      return (await jwtVerify(token, opts.secret, { issuer: opts.issuer, algorithms: ['HS256'] })).payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('Token expired');
      throw new UnauthenticatedError('Invalid token');
    }
  };
  return {
    issueAccessToken: (v) =>
      sign({ usr: v.username, role: v.role, scope: 'api' }, v.userId, opts.accessTtlSeconds),
    issueSessionToken: (v) =>
      sign(
        { usr: v.username, role: v.role, scope: 'session', sid: v.sessionId },
        v.userId,
        opts.sessionTtlSeconds,
      ),
    issueDownloadToken: (grant) =>
      sign({ scope: 'download', rid: grant.requestId }, grant.userId, DOWNLOAD_TTL_SECONDS),
    async verifyDownload(token) {
      const payload = await verified(token);
      if (
        payload.scope !== 'download' ||
        typeof payload.sub !== 'string' ||
        typeof payload.rid !== 'string'
      ) {
        throw new UnauthenticatedError('Not a download token');
      }
      return { userId: payload.sub, requestId: payload.rid };
    },
    async verify(token) {
      const payload = await verified(token);
      const scope = payload.scope;
      if (scope !== 'api' && scope !== 'session') {
        throw new UnauthenticatedError('This token only downloads an export');
      }
      if (typeof payload.sub !== 'string' || typeof payload.role !== 'string') {
        throw new UnauthenticatedError('Malformed token');
      }
      if (scope === 'session' && typeof payload.sid !== 'string')
        throw new UnauthenticatedError('Malformed token');
      return {
        userId: payload.sub,
        username: String(payload.usr ?? ''),
        role: payload.role as Role,
        scope,
        sessionId: scope === 'session' ? String(payload.sid) : undefined,
      };
    },
  };
}

/**
 * The signing secret: JWT_SECRET when configured; otherwise (embedded default only) a random one kept in the
 * data folder so that tokens survive a restart.
 */
export async function resolveJwtSecret(configured: string | undefined, dataDir: string, production: boolean) {
  if (configured) return new TextEncoder().encode(configured);
  if (production) throw new Error('JWT_SECRET must be set in production');
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return new TextEncoder().encode((await readFile(file, 'utf8')).trim());
  } catch {
    const secret = randomBytes(48).toString('base64url');
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, secret, { mode: 0o600 });
    return new TextEncoder().encode(secret);
  }
}

export function bearerToken(header: string | null | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

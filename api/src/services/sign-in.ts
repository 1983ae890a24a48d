import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ApiKey, Config, DevUser } from '../config';
import type { Database } from '../db/database';
import { isUnsafeText } from '../domain/text';
import { BadInputError, UnauthenticatedError } from '../errors';
import type { Role } from '../generated/prisma/enums';
import type { TokenService, Viewer } from './tokens';

const ROLE_BY_NAME: Record<string, Role> = { user: 'USER', admin: 'ADMIN', integrator: 'INTEGRATOR' };

/** Compares secrets in constant time (hashing first makes the lengths equal). */
function sameSecret(a: string, b: string) {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

const secret = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !isUnsafeText(value), 'must not contain U+0000 or unpaired surrogates');

export const signInSchema = z.union([
  z.object({ username: secret(64), password: secret(256) }),
  z.object({ apiKey: secret(256) }),
]);
export type SignIn = z.infer<typeof signInSchema>;

/**
 * Dev sign-in with the users and API keys from config. The user row is created on first sign-in so sessions
 * and memories have an owner; its role follows the config.
 */
export async function signIn(
  body: unknown,
  deps: { config: Config; db: Database; tokens: TokenService },
): Promise<{ accessToken: string; expiresAt: Date; user: { id: string; username: string; role: Role } }> {
  const parsed = signInSchema.safeParse(body);
  if (!parsed.success) throw new BadInputError('Send {"username","password"} or {"apiKey"}');
  const input = parsed.data;
  let match: DevUser | ApiKey | undefined;
  if ('apiKey' in input) {
    match = deps.config.auth.apiKeys.find((k) => sameSecret(k.key, input.apiKey));
  } else {
    const candidate = deps.config.auth.devUsers.find((u) => u.username === input.username);
    match = candidate && sameSecret(candidate.password, input.password) ? candidate : undefined;
  }
  if (!match) throw new UnauthenticatedError('Wrong credentials');
  const role = ROLE_BY_NAME[match.role] ?? 'USER';
  const user = await deps.db.prisma.user.upsert({
    where: { username: match.username },
    create: { username: match.username, role },
    update: { role },
  });
  const { token, expiresAt } = await deps.tokens.issueAccessToken({
    userId: user.id,
    username: user.username,
    role: user.role,
  });
  return { accessToken: token, expiresAt, user: { id: user.id, username: user.username, role: user.role } };
}

/** Claims of a verified OIDC access token (checked by @envelop/auth0). */
export interface OidcClaims {
  sub: string;
  iss?: string;
  [claim: string]: unknown;
}

/**
 * Maps an external identity onto a local user, created on first sight. The role comes from a configured claim
 * and defaults to a plain user.
 */
export async function viewerFromOidc(
  claims: OidcClaims,
  deps: { config: Config; db: Database },
): Promise<Viewer> {
  const oidc = deps.config.auth.oidc;
  const externalId = `${claims.iss ?? oidc?.issuer}|${claims.sub}`;
  const roleClaim = oidc ? claims[oidc.roleClaim] : undefined;
  const role = (typeof roleClaim === 'string' && ROLE_BY_NAME[roleClaim.toLowerCase()]) || 'USER';
  const preferred = [claims.preferred_username, claims.email, claims.nickname].find(
    (v) => typeof v === 'string',
  );
  const user = await deps.db.prisma.user.upsert({
    where: { externalId },
    create: { externalId, username: String(preferred ?? externalId), role },
    update: { role },
  });
  return { userId: user.id, username: user.username, role: user.role, scope: 'api' };
}

export async function viewerFromToken(
  token: string | undefined,
  tokens: TokenService,
): Promise<Viewer | null> {
  return token ? tokens.verify(token) : null;
}

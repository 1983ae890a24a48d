import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test-support/harness';
import { MeQuery } from '../../test-support/operations';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'avatar-api';

/** A real identity provider's key set, served over HTTP the way @envelop/auth0 fetches it. */
describe('OIDC bearer tokens (@envelop/auth0)', () => {
  let jwks: Server;
  let t: TestApp;
  let sign: (claims: Record<string, unknown>, opts?: { expired?: boolean }) => Promise<string>;
  let signWithOtherKey: () => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    const token = (key: CryptoKey, claims: Record<string, unknown>, expired = false) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expired ? Math.floor(Date.now() / 1000) - 60 : '10m')
        .sign(key);
    sign = (claims, opts = {}) => token(privateKey, claims, opts.expired);
    signWithOtherKey = () => token(other.privateKey, { sub: 'intruder' });
    t = await startTestApp({
      env: {
        OIDC_DOMAIN: 'idp.test',
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_JWKS_URI: jwksUri,
        OIDC_ROLE_CLAIM: 'role',
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('signs in an external identity as a local user with the role from its claim', async () => {
    const token = await sign({ sub: 'auth0|42', preferred_username: 'grace', role: 'admin' });
    const res = await t.gql(MeQuery, {}, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.me).toMatchObject({ username: 'grace', role: 'ADMIN' });
    const again = await t.gql(MeQuery, {}, token);
    expect(again.data?.me?.id).toBe(res.data?.me?.id);
  });

  it('refuses tokens signed by another key or expired, and keeps accepting our own JWTs', async () => {
    const forged = await t.gql(MeQuery, {}, await signWithOtherKey());
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    const expired = await t.gql(MeQuery, {}, await sign({ sub: 'auth0|42' }, { expired: true }));
    expect(expired.errors?.[0]).toMatchObject({
      message: 'Token expired',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const local = await t.gql(MeQuery, {}, await t.token('alice'));
    expect(local.data?.me?.username).toBe('alice');
  });
});

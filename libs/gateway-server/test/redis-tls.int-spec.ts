import { randomBytes } from 'node:crypto';
import { redisTlsOptions } from '@pgw/server-kit';
import {
  makeTlsMaterial,
  removeTlsMaterial,
  startOwnRedis,
  type OwnRedis,
  type TlsMaterial,
} from '@pgw/testing';
import { RedisSettingsError, type RedisConnectionOptions } from '../src';
import { RedisRateLimiter } from '../src/limits/redis-rate-limiter';
import { RedisReservationStore } from '../src/limits/redis-reservation-store';

/**
 * The gateway's Redis (rate limits, budget reservations) over rediss:// with a CA and ACL AUTH, against
 * our own redis-server with only a TLS port and the `default` user off, certificate made at test time
 * (it names DNS:localhost only, so 127.0.0.1 is a wrong host name for it).
 */
describe('Redis TLS and AUTH (own redis-server with a TLS port)', () => {
  let tls: TlsMaterial;
  let redis: OwnRedis;
  const acl = { user: 'pgw-gateway', password: randomBytes(12).toString('hex') };
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    tls = await makeTlsMaterial();
    redis = await startOwnRedis(tls, acl);
  }, 60_000);

  afterEach(async () => {
    for (const client of open.splice(0)) await client.close();
  });

  afterAll(async () => {
    await redis?.stop();
    removeTlsMaterial(tls);
  });

  function limiter(host: string, connection: RedisConnectionOptions): RedisRateLimiter {
    const client = new RedisRateLimiter(`rediss://${host}:${redis.port}`, 'pgw:tls-test:', () => undefined, {
      ...connection,
    });
    open.push(client);
    return client;
  }

  const trusted = () => redisTlsOptions({ ca: tls.caFile });

  it('rediss:// with the CA and the ACL user works: the limiter runs its script', async () => {
    const client = limiter('localhost', { tls: trusted(), username: acl.user, password: acl.password });
    await client.verify();
    const outcome = await client.check([
      { id: `k-${randomBytes(4).toString('hex')}`, perMinute: 60, cost: 1, kind: 'requests' },
    ]);
    expect(outcome.allowed).toBe(true);
  });

  it('the budget store connects the same way', async () => {
    const store = new RedisReservationStore(
      `rediss://localhost:${redis.port}`,
      'pgw:tls-test:budget:',
      () => undefined,
      {
        tls: trusted(),
        username: acl.user,
        password: acl.password,
      },
    );
    open.push(store);
    await expect(store.verify()).resolves.toBeUndefined();
  });

  it('a wrong password stops the start with a clear error that carries no secret', async () => {
    const wrong = `wrong-${acl.password}`;
    const error = await limiter('localhost', { tls: trusted(), username: acl.user, password: wrong })
      .verify()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(RedisSettingsError);
    expect((error as Error).message).toMatch(/refused the credentials \(WRONGPASS\)/);
    expect((error as Error).message).not.toContain(wrong);
  });

  it('a certificate the CA did not sign stops the start', async () => {
    const attempt = limiter('localhost', {
      tls: redisTlsOptions({ ca: tls.otherCaFile }),
      username: acl.user,
      password: acl.password,
    }).verify();
    await expect(attempt).rejects.toThrow(RedisSettingsError);
    await expect(attempt).rejects.toThrow(/certificate is not trusted by the configured CA/);
  });

  it('a host name the certificate does not name stops the start', async () => {
    const attempt = limiter('127.0.0.1', {
      tls: trusted(),
      username: acl.user,
      password: acl.password,
    }).verify();
    await expect(attempt).rejects.toThrow(
      /does not name the host in the URL \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );
  });
});

import type { ConnectionOptions } from 'node:tls';
import type Redis from 'ioredis';

/** How the gateway reaches Redis besides the URL: TLS (for rediss://) and AUTH kept out of the URL. */
export interface RedisConnectionOptions {
  /** TLS options for a rediss:// URL (the CA; the host name is always checked). */
  tls?: ConnectionOptions;
  /** ACL user (Redis 6+); without it AUTH uses the password alone (the `default` user). */
  username?: string;
  /** Secret. */
  password?: string;
}

/** A Redis setting no retry can fix: the start stops with this. */
export class RedisSettingsError extends Error {}

const AUTH_REPLY = /^(WRONGPASS|NOAUTH|NOPERM)\b/;
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** The reason an error is a settings problem (wrong credentials, untrusted certificate), or null. */
function settingsProblem(error: Error & { code?: string }): string | null {
  if (AUTH_REPLY.test(error.message)) {
    return `Redis refused the credentials (${error.message.split(' ')[0]}): check the user and password`;
  }
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `Redis TLS: the server's certificate does not name the host in the URL (${error.code})`;
  }
  if (error.code && UNTRUSTED.has(error.code)) {
    return `Redis TLS: the server's certificate is not trusted by the configured CA (${error.code})`;
  }
  return null;
}

/**
 * Waits for a new connection's first answer. Rejects at once on wrong credentials or an untrusted or
 * misnamed certificate, so a misconfigured gateway stops at start with the reason instead of retrying
 * behind a healthy-looking process. A Redis that is only unreachable does not stop the start (limits
 * fail as they do when Redis goes away later); nor does a slow one (after `timeoutMs`).
 */
export function verifyRedisSettings(redis: Redis, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (error) {
        redis.disconnect();
        reject(error);
      } else resolve();
    };
    const onReady = () => done();
    const onError = (error: Error & { code?: string }) => {
      const problem = settingsProblem(error);
      if (problem) done(new RedisSettingsError(problem));
    };
    const timer = setTimeout(() => done(), timeoutMs);
    if (redis.status === 'ready') return done();
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}

import Redis from 'ioredis';
import { type RedisConnectionOptions, verifyRedisSettings } from './redis-connection';
import type {
  PeriodUsage,
  RenewRequest,
  ReservationStore,
  ReserveOutcome,
  ReserveRequest,
  SettleRequest,
} from './reservation-store';

/**
 * The reservation rules (reservation-store.ts) shared by every replica: one Lua script per reserve, per
 * settle and per renew, so each is atomic in Redis. Keys per project and period, with a hash tag so the
 * three live in one Redis Cluster slot:
 *   <prefix>{<project>|<period>}    hash: spent, held (micro-dollars)
 *   <prefix>{<project>|<period>}:r  hash: reservation id -> amount held, or 's' once settled
 *   <prefix>{<project>|<period>}:x  sorted set: reservation id -> expiry (ms)
 * Every script saves after purging (expired holds leave \`held\` even when the script then does nothing).
 * Time comes from the caller (the gateway's clock, injectable in tests); replicas' clocks only move when a
 * hold expires. The keys outlive the period by KEEP_MS so a late settle still finds them.
 */
const PURGE = `
local state, res, exp = KEYS[1], KEYS[2], KEYS[3]
local held = tonumber(redis.call('HGET', state, 'held') or '0')
local spent = tonumber(redis.call('HGET', state, 'spent') or '0')
local expired = redis.call('ZRANGEBYSCORE', exp, '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  local v = redis.call('HGET', res, id)
  if v and v ~= 's' then held = held - tonumber(v) end
  redis.call('HDEL', res, id)
  redis.call('ZREM', exp, id)
end
if held < 0 then held = 0 end
local function save()
  redis.call('HSET', state, 'spent', string.format('%.0f', spent), 'held', string.format('%.0f', held))
  redis.call('PEXPIRE', state, keep)
  redis.call('PEXPIRE', res, keep)
  redis.call('PEXPIRE', exp, keep)
end
`;

/** ARGV: now, keep, id, amount, limit, billed, ttl. Returns [granted, spent, held] (before this request). */
const RESERVE = `
local now, keep, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local amount, limit, billed, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
${PURGE}
if billed > spent then spent = billed end
local before_spent, before_held = spent, held
local granted = 0
local existing = redis.call('HGET', res, id)
if existing then
  -- a resent reserve holds once; a settled id is not reserved again
  if existing ~= 's' then granted = 1; before_held = held - tonumber(existing) end
  save()
  return { granted, string.format('%.0f', before_spent), string.format('%.0f', before_held) }
end
if spent + held + amount <= limit then
  held = held + amount
  redis.call('HSET', res, id, string.format('%.0f', amount))
  redis.call('ZADD', exp, now + ttl, id)
  granted = 1
end
save()
return { granted, string.format('%.0f', before_spent), string.format('%.0f', before_held) }
`;

/** ARGV: now, keep, id, actual, ttl. */
const SETTLE = `
local now, keep, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local actual, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
${PURGE}
local v = redis.call('HGET', res, id)
if v == 's' then save(); return 0 end
if v then held = held - tonumber(v) end
spent = spent + actual
redis.call('HSET', res, id, 's')
redis.call('ZADD', exp, now + ttl, id)
save()
return 1
`;

/** ARGV: now, keep, ttl, id... */
const RENEW = `
local now, keep, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
${PURGE}
for i = 4, #ARGV do
  local v = redis.call('HGET', res, ARGV[i])
  if v and v ~= 's' then redis.call('ZADD', exp, 'XX', now + ttl, ARGV[i]) end
end
save()
return 1
`;

/** ARGV: now, keep. Returns [spent, held, reservations]. */
const USAGE = `
local now, keep = tonumber(ARGV[1]), tonumber(ARGV[2])
${PURGE}
save()
local live = 0
for _, v in ipairs(redis.call('HVALS', res)) do if v ~= 's' then live = live + 1 end end
return { string.format('%.0f', spent), string.format('%.0f', held), live }
`;

/** Counters outlive their period by this much (a month and a bit after the last write). */
const KEEP_MS = 40 * 24 * 60 * 60 * 1000;

type ReservationRedis = Redis & {
  pgwBudgetReserve(...args: (string | number)[]): Promise<[number, string, string]>;
  pgwBudgetSettle(...args: (string | number)[]): Promise<number>;
  pgwBudgetRenew(...args: (string | number)[]): Promise<number>;
  pgwBudgetUsage(...args: (string | number)[]): Promise<[string, string, number]>;
};

export class RedisReservationStore implements ReservationStore {
  private readonly redis: ReservationRedis;

  constructor(
    url: string,
    private readonly keyPrefix = 'pgw:budget:',
    onError: (error: unknown) => void = () => undefined,
    connection: RedisConnectionOptions = {},
  ) {
    this.redis = new Redis(url, {
      ...connection,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
    }) as ReservationRedis;
    this.redis.on('error', onError);
    this.redis.defineCommand('pgwBudgetReserve', { numberOfKeys: 3, lua: RESERVE });
    this.redis.defineCommand('pgwBudgetSettle', { numberOfKeys: 3, lua: SETTLE });
    this.redis.defineCommand('pgwBudgetRenew', { numberOfKeys: 3, lua: RENEW });
    this.redis.defineCommand('pgwBudgetUsage', { numberOfKeys: 3, lua: USAGE });
  }

  /** Rejects when Redis refuses the credentials or its certificate (see verifyRedisSettings). */
  verify(): Promise<void> {
    return verifyRedisSettings(this.redis);
  }

  async reserve(r: ReserveRequest): Promise<ReserveOutcome> {
    const [granted, spent, held] = await this.redis.pgwBudgetReserve(
      ...this.keys(r.projectId, r.period),
      r.nowMs,
      KEEP_MS,
      r.reservationId,
      r.amountMicros,
      r.limitMicros,
      r.billedMicros,
      r.ttlMs,
    );
    return { granted: Number(granted) === 1, spentMicros: Number(spent), heldMicros: Number(held) };
  }

  async settle(s: SettleRequest): Promise<void> {
    await this.redis.pgwBudgetSettle(
      ...this.keys(s.projectId, s.period),
      s.nowMs,
      KEEP_MS,
      s.reservationId,
      s.actualMicros,
      s.ttlMs,
    );
  }

  async renew(r: RenewRequest): Promise<void> {
    if (r.reservationIds.length === 0) return;
    await this.redis.pgwBudgetRenew(
      ...this.keys(r.projectId, r.period),
      r.nowMs,
      KEEP_MS,
      r.ttlMs,
      ...r.reservationIds,
    );
  }

  async usage(projectId: string, period: string, nowMs: number): Promise<PeriodUsage> {
    const [spent, held, reservations] = await this.redis.pgwBudgetUsage(
      ...this.keys(projectId, period),
      nowMs,
      KEEP_MS,
    );
    return { spentMicros: Number(spent), heldMicros: Number(held), reservations: Number(reservations) };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private keys(projectId: string, period: string): [string, string, string] {
    const base = `${this.keyPrefix}{${projectId}|${period}}`;
    return [base, `${base}:r`, `${base}:x`];
  }
}

import Redis from 'ioredis';
import { type RedisConnectionOptions, verifyRedisSettings } from './redis-connection';
import { outcomeFrom, WINDOW_MS, type LimitOutcome, type LimitSpec, type RateLimiter } from './rate-limiter';

/**
 * The same GCRA, shared by every replica: one Lua script checks and charges all limits of a request
 * atomically, on Redis's clock (TIME), so replicas with skewed clocks still agree.
 * ARGV per key: interval ms, cost. Returns [allowed, backlog_1, ..., backlog_n] (ms, before charging).
 */
const CHECK_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local window = ${WINDOW_MS}
local allowed = 1
local backlogs = {}
local tats = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[i * 2 - 1])
  local cost = tonumber(ARGV[i * 2])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  backlogs[i] = tat - now
  tats[i] = tat + cost * interval
  if tats[i] - window > now then allowed = 0 end
end
if allowed == 1 then
  for i = 1, #KEYS do
    redis.call('SET', KEYS[i], string.format('%.3f', tats[i]), 'PX', math.ceil(tats[i] - now) + 1000)
  end
end
local out = { allowed }
for i = 1, #KEYS do out[i + 1] = string.format('%.3f', backlogs[i]) end
return out
`;

/** ARGV per key: interval ms, delta units (may be negative). */
const ADJUST_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
for i = 1, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tat = tat + tonumber(ARGV[i * 2 - 1]) * tonumber(ARGV[i * 2])
  if tat > now then
    redis.call('SET', KEYS[i], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
  end
end
return 1
`;

type GcraRedis = Redis & {
  pgwGcraCheck(numKeys: number, ...args: (string | number)[]): Promise<string[] | number[]>;
  pgwGcraAdjust(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: GcraRedis;

  constructor(
    url: string,
    private readonly keyPrefix = 'pgw:rl:',
    private readonly onError: (error: unknown) => void = () => undefined,
    connection: RedisConnectionOptions = {},
  ) {
    this.redis = new Redis(url, {
      ...connection,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    }) as GcraRedis;
    this.redis.on('error', onError);
    this.redis.defineCommand('pgwGcraCheck', { lua: CHECK_SCRIPT });
    this.redis.defineCommand('pgwGcraAdjust', { lua: ADJUST_SCRIPT });
  }

  async check(specs: LimitSpec[]): Promise<LimitOutcome> {
    const args: (string | number)[] = specs.map((spec) => this.keyPrefix + spec.id);
    for (const spec of specs) args.push(WINDOW_MS / spec.perMinute, spec.cost);
    const reply = await this.redis.pgwGcraCheck(specs.length, ...args);
    const backlogs = specs.map((_, i) => Number(reply[i + 1]));
    const outcome = outcomeFrom(specs, backlogs);
    // The script decided atomically; trust its verdict (the JS recomputation only fills the headers).
    outcome.allowed = Number(reply[0]) === 1;
    return outcome;
  }

  adjust(specs: { id: string; perMinute: number; delta: number }[]): void {
    if (specs.length === 0) return;
    const args: (string | number)[] = specs.map((spec) => this.keyPrefix + spec.id);
    for (const spec of specs) args.push(WINDOW_MS / spec.perMinute, spec.delta);
    this.redis.pgwGcraAdjust(specs.length, ...args).catch(this.onError);
  }

  /** Rejects when Redis refuses the credentials or its certificate (see verifyRedisSettings). */
  verify(): Promise<void> {
    return verifyRedisSettings(this.redis);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

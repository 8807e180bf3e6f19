import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaEventBus, ThreadedKafkaEventBus } from '@pgw/messaging';
import { ConfigError, loadConfig } from '@pgw/server-kit';
import { GatewayConfig } from './gateway.config';

const base = { UPSTREAM_BASE_URL: 'https://api.openai.com/v1', UPSTREAM_API_KEY: 'sk-test' };

function problem(env: Record<string, string>): string {
  try {
    loadConfig(GatewayConfig, env);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

describe('GatewayConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig(GatewayConfig, base);
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      KAFKA_BROKERS: '127.0.0.1:19092',
      UPSTREAM_TIMEOUT_MS: 60_000,
      MAX_BODY_BYTES: 1_048_576,
      SPILL_DIR: './.pgw-data/spill',
    });
    expect(config.toServerOptions()).toMatchObject({
      routes: {},
      defaultUpstream: { baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test' },
      upstream: { timeoutMs: 60_000 },
      limits: { kind: 'memory' },
      maxBodyBytes: 1_048_576,
    });
  });

  it('runs the Kafka client on the request thread unless KAFKA_WORKER_THREAD=true', async () => {
    const inThread = loadConfig(GatewayConfig, base).createEventBus();
    expect(inThread).toBeInstanceOf(KafkaEventBus);
    await inThread.close();
    const threaded = loadConfig(GatewayConfig, { ...base, KAFKA_WORKER_THREAD: 'true' }).createEventBus();
    expect(threaded).toBeInstanceOf(ThreadedKafkaEventBus);
    await threaded.close();
  });

  it('takes routes from MODEL_ROUTES and Redis from REDIS_URL', () => {
    const routes = {
      'gpt-4o': { baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-a' },
      local: { baseUrl: 'http://127.0.0.1:9000/v1', apiKey: '', upstreamModel: 'llama' },
    };
    const config = loadConfig(GatewayConfig, {
      MODEL_ROUTES: JSON.stringify(routes),
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: '9090',
    });
    expect(config.PORT).toBe(9090);
    expect(config.toServerOptions()).toMatchObject({
      routes,
      defaultUpstream: null,
      limits: { kind: 'redis', url: 'redis://127.0.0.1:6379' },
    });
  });

  it('configures load shedding from SHED_* (defaults: on, limits from the upstream pool)', () => {
    expect(loadConfig(GatewayConfig, base).toServerOptions().loadShedding).toEqual({
      enabled: true,
      maxInFlightPerUpstream: undefined,
      maxInFlightTotal: 4096,
      classShares: [0.5, 0.85, 1],
      eventLoopDelayMs: [100, 300],
      upstream429Ratio: [0.1, 0.5],
      latencyRatio: [3, 6],
      sampleMs: 1000,
    });
    const custom = loadConfig(GatewayConfig, {
      ...base,
      SHED_ENABLED: 'false',
      SHED_MAX_IN_FLIGHT_PER_UPSTREAM: '40',
      SHED_CLASS_SHARES: '0.25,0.75,1',
      SHED_EVENT_LOOP_DELAY_MS: '50,150',
    }).toServerOptions().loadShedding;
    expect(custom).toMatchObject({
      enabled: false,
      maxInFlightPerUpstream: 40,
      classShares: [0.25, 0.75, 1],
      eventLoopDelayMs: [50, 150],
    });
    expect(problem({ ...base, SHED_ENABLED: 'maybe' })).toContain('SHED_ENABLED');
    expect(problem({ ...base, SHED_CLASS_SHARES: '0.5,2' })).toContain('SHED_CLASS_SHARES');
    expect(problem({ ...base, SHED_LATENCY_RATIO: '3' })).toContain('SHED_LATENCY_RATIO');
    expect(problem({ ...base, SHED_MAX_IN_FLIGHT_PER_UPSTREAM: '0' })).toContain(
      'SHED_MAX_IN_FLIGHT_PER_UPSTREAM',
    );
  });

  it('refuses bad values, naming the variable (and never echoing secrets)', () => {
    expect(problem({})).toContain('UPSTREAM_BASE_URL');
    expect(problem({ ...base, PORT: 'eighty' })).toContain('PORT');
    expect(problem({ ...base, UPSTREAM_TIMEOUT_MS: '-5' })).toContain('UPSTREAM_TIMEOUT_MS');
    expect(problem({ ...base, MAX_BODY_BYTES: 'lots' })).toContain('MAX_BODY_BYTES');
    expect(problem({ ...base, KAFKA_BROKERS: 'kafka' })).toContain('KAFKA_BROKERS');
    expect(problem({ ...base, REDIS_URL: 'http://x' })).toContain('REDIS_URL');
    expect(problem({ ...base, UPSTREAM_BASE_URL: 'api.openai.com' })).toContain('UPSTREAM_BASE_URL');
    const routes = problem({
      ...base,
      MODEL_ROUTES: '{"gpt": {"baseUrl": "nope", "apiKey": "sk-very-secret"}}',
    });
    expect(routes).toContain('MODEL_ROUTES ["gpt"].baseUrl');
    expect(routes).not.toContain('sk-very-secret');
    expect(problem({ ...base, MODEL_ROUTES: '{not json' })).toContain('MODEL_ROUTES is not valid JSON');
  });

  it('Redis TLS and AUTH: a CA only for rediss://, a user only with a password, passed to the limits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgw-redis-tls-spec-'));
    try {
      const ca = join(dir, 'ca.crt');
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(dir, 'ca.key'), '-out', ca, '-days', '1', '-subj', '/CN=spec',
      ], { stdio: 'ignore' }); // prettier-ignore
      expect(problem({ ...base, REDIS_URL: 'redis://cache:6379', REDIS_TLS_CA: ca })).toContain(
        'REDIS_TLS_CA needs a rediss:// REDIS_URL',
      );
      expect(problem({ ...base, REDIS_URL: 'rediss://cache:6380', REDIS_TLS_CA: join(dir, 'none') })).toMatch(
        /REDIS_TLS_CA: cannot read .*none \(ENOENT\)/,
      );
      expect(problem({ ...base, REDIS_URL: 'rediss://cache:6380', REDIS_USERNAME: 'gw' })).toContain(
        'REDIS_USERNAME needs REDIS_PASSWORD',
      );
      const secret = 'redis-very-secret';
      expect(problem({ ...base, REDIS_PASSWORD: secret })).toContain('REDIS_PASSWORD needs REDIS_URL');
      expect(problem({ ...base, REDIS_PASSWORD: secret })).not.toContain(secret);
      const config = loadConfig(GatewayConfig, {
        ...base,
        REDIS_URL: 'rediss://cache:6380',
        REDIS_TLS_CA: ca,
        REDIS_USERNAME: 'gw',
        REDIS_PASSWORD: secret,
      });
      expect(config.toServerOptions().limits).toEqual({
        kind: 'redis',
        url: 'rediss://cache:6380',
        connection: {
          tls: { ca: readFileSync(ca, 'utf8'), rejectUnauthorized: true },
          username: 'gw',
          password: secret,
        },
      });
      const plain = loadConfig(GatewayConfig, { ...base, REDIS_URL: 'redis://cache:6379' });
      expect(plain.toServerOptions().limits).toEqual({
        kind: 'redis',
        url: 'redis://cache:6379',
        connection: {},
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The benchmarked processes: the mock upstream, our gateway (and an optional baseline build), Portkey, and
// the do-nothing proxy hops the half-load table compares against.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, start, waitUntil } from '../support/bench-kit.mjs';
import { GATEWAY_PORT, KAFKA_BROKERS, PORTKEY_PORT, requestBody } from './bench-config.mjs';

/** The mock upstream from the build; its URL (ending in /v1) is the first line it prints. */
export async function startMockUpstream() {
  const mock = start('mock', process.execPath, [
    join(root, 'dist/libs/testing/src/mock-upstream/serve-mock-upstream.js'),
  ]);
  const mockUrl = await new Promise((resolveUrl, reject) => {
    mock.stdout.once('data', (d) => resolveUrl(String(d).trim()));
    mock.once('exit', (code) => reject(new Error(`mock upstream exited (${code})`)));
  });
  return { pid: mock.pid, mockUrl, mockBase: mockUrl.replace(/\/v1$/, '') };
}

const splitFlags = (value) => value.split(' ').filter(Boolean);

// The node flags documented in apps/gateway/src/main.ts: a small young generation and a slower-growing
// old generation keep RSS down at the cost of more (cheap) collections.
export const gatewayNodeFlags = splitFlags(
  process.env.BENCH_GATEWAY_NODE_FLAGS ?? '--max-semi-space-size=4 --heap-growing-percent=30',
);
// The baseline may differ in flags only (--baseline dist with BENCH_BASELINE_NODE_FLAGS).
export const baselineNodeFlags = splitFlags(
  process.env.BENCH_BASELINE_NODE_FLAGS ?? gatewayNodeFlags.join(' '),
);
// e.g. BENCH_BASELINE_ENV='KAFKA_WORKER_THREAD=true' with --baseline dist: one build, two configurations.
export const baselineEnv = () =>
  Object.fromEntries(
    (process.env.BENCH_BASELINE_ENV ?? '')
      .split(' ')
      .filter(Boolean)
      .map((pair) => pair.split('=')),
  );

/** Starts a gateway from `distDir` and resolves once it serves the bench key (rejects if it exits first). */
export async function startGateway(
  name,
  distDir,
  port,
  { mockUrl, headers, nodeFlags = gatewayNodeFlags, extraEnv = {} },
) {
  const child = start(name, process.execPath, [...nodeFlags, join(distDir, 'apps/gateway/src/main.js')], {
    PORT: String(port),
    METRICS_PORT: String(port + 1000),
    HOST: '127.0.0.1',
    KAFKA_BROKERS,
    UPSTREAM_BASE_URL: mockUrl,
    UPSTREAM_API_KEY: 'bench',
    // As the image runs it (docker/Dockerfile); BENCH_MALLOC_ARENA_MAX='' leaves glibc's default.
    ...(process.env.BENCH_MALLOC_ARENA_MAX !== ''
      ? { MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX ?? '2' }
      : {}),
    SPILL_DIR: mkdtempSync(join(tmpdir(), 'pgw-bench-spill-')),
    INSTANCE_ID: `bench-${name.replace(/\W+/g, '-')}`,
    ...extraEnv,
  });
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): is port ${port} taken?`))),
  );
  const serving = async () => {
    await waitUntil(async () => (await fetch(`${base}/readyz`)).status === 200, `${name} ready`);
    await waitUntil(
      async () =>
        (
          await fetch(`${base}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: requestBody(false),
          })
        ).status === 200,
      `${name} serving the bench key`,
    );
  };
  await Promise.race([serving(), exited]);
  return { name, base, headers, pid: child.pid, gateway: true };
}

/** Portkey OSS from bench/gateway/node_modules, routed to the mock as an OpenAI custom host. */
export async function startPortkey(mockUrl) {
  const portkeyMain = join(root, 'bench/gateway/node_modules/@portkey-ai/gateway/build/start-server.js');
  const portkey = start('portkey', process.execPath, [portkeyMain]);
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${PORTKEY_PORT}/`)).status < 500, 'portkey up');
  return {
    name: 'portkey 1.15.2',
    base: `http://127.0.0.1:${PORTKEY_PORT}`,
    headers: {
      authorization: 'Bearer bench',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': mockUrl,
    },
    pid: portkey.pid,
  };
}

/**
 * What one proxy hop costs on this machine at best, for the half-load table: nginx (when installed, e.g.
 * `apt-get install nginx-light`) and a do-nothing Node proxy (null-proxy.mjs), both in front of the mock.
 */
export async function startHopReferences(mockUrl) {
  const references = [];
  const nodePort = GATEWAY_PORT + 10;
  const nodeProxy = start('null node proxy', process.execPath, [
    join(root, 'bench/gateway/null-proxy.mjs'),
    mockUrl,
    String(nodePort),
  ]);
  await new Promise((resolveUp) => nodeProxy.stdout.once('data', resolveUp));
  references.push({
    name: 'node null proxy',
    base: `http://127.0.0.1:${nodePort}`,
    headers: {},
    reference: true,
  });

  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
  if (nginx) {
    const prefix = mkdtempSync(join(tmpdir(), 'pgw-bench-nginx-'));
    const nginxPort = GATEWAY_PORT + 11;
    writeFileSync(
      join(prefix, 'nginx.conf'),
      `worker_processes 1;
error_log /dev/null crit;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream mock { server ${new URL(mockUrl).host}; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
`,
    );
    start('nginx', nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;']);
    const base = `http://127.0.0.1:${nginxPort}`;
    await waitUntil(async () => (await fetch(`${base}/v1/models`)).status < 500, 'nginx up');
    references.push({ name: 'nginx 1 worker', base, headers: {}, reference: true });
  } else {
    process.stderr.write('nginx not installed: the half-load table has no nginx row\n');
  }
  return references;
}

import { MockUpstream } from './mock-upstream';

/**
 * Starts a mock upstream for benchmarks and prints its base URL (one line on stdout):
 *   MOCK_UPSTREAM_PORT=9100 node dist/libs/testing/src/mock-upstream/serve-mock-upstream.js
 * Optional env: MOCK_UPSTREAM_HOST, MOCK_UPSTREAM_API_KEY, MOCK_UPSTREAM_DELAY_MS (before the headers),
 * MOCK_UPSTREAM_CHUNK_DELAY_MS (between SSE events). Requests are not recorded. SIGINT/SIGTERM close it.
 */
function intFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

async function main(): Promise<void> {
  const mock = await MockUpstream.start({
    port: intFromEnv('MOCK_UPSTREAM_PORT') ?? 0,
    host: process.env['MOCK_UPSTREAM_HOST'] || undefined,
    apiKey: process.env['MOCK_UPSTREAM_API_KEY'] || undefined,
    recordRequests: false,
  });
  const delayMs = intFromEnv('MOCK_UPSTREAM_DELAY_MS');
  const chunkDelayMs = intFromEnv('MOCK_UPSTREAM_CHUNK_DELAY_MS');
  if (delayMs !== undefined || chunkDelayMs !== undefined) mock.setDefault({ delayMs, chunkDelayMs });
  const stop = (): void => {
    void mock.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(`${mock.baseUrl}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// A slow mock provider with bounded concurrency, in its own process (the load generator must not share its
// event loop): every completion takes MOCK_DELAY_MS, and beyond MOCK_MAX_CONCURRENT in flight it answers
// 429 like a provider's account limit. Prints its base URL on stdout.
import { createRequire } from 'node:module';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { MockUpstream } = createRequire(import.meta.url)(join(root, 'dist/libs/testing/src/index.js'));

const mock = await MockUpstream.start({
  maxConcurrent: Number(process.env.MOCK_MAX_CONCURRENT ?? 40),
  recordRequests: false,
});
mock.setDefault({ delayMs: Number(process.env.MOCK_DELAY_MS ?? 200) });
const stop = () => void mock.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
process.stdout.write(`${mock.baseUrl}\n`);

import { MockUpstream } from './mock-upstream';

/** Starts a mock upstream for benchmarks: `MOCK_UPSTREAM_PORT=9100 node dist/.../serve-mock-upstream.js`. */
void MockUpstream.start({ port: Number(process.env.MOCK_UPSTREAM_PORT ?? 0), recordRequests: false }).then(
  (mock) => {
    process.stdout.write(`${mock.baseUrl}\n`);
  },
);

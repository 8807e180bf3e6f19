// The floor for one Node.js proxy hop on this machine: node:http in, an undici Pool out, the response
// streamed back as it arrives, nothing else (no auth, policy, limits or events). The gateway bench runs it
// beside the gateway in the half-load and time-to-first-byte phases.
//   node bench/gateway/null-proxy.mjs <upstream base URL, e.g. http://127.0.0.1:4000/v1> <port>
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new URL(process.argv[2]);
const pool = new Pool(upstream.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 10_000 });

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    pool.stream(
      {
        path: `${upstream.pathname.replace(/\/$/, '')}${req.url.replace(/^\/v1/, '')}`,
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      },
      ({ statusCode, headers }) => {
        const length = headers['content-length'];
        res.writeHead(statusCode, {
          'content-type': headers['content-type'] ?? 'application/json',
          ...(length ? { 'content-length': length } : {}),
        });
        return res;
      },
      (error) => {
        if (!error) return;
        if (res.headersSent) res.destroy();
        else res.writeHead(502).end();
      },
    );
  });
}).listen(Number(process.argv[3]), '127.0.0.1', () => console.log('listening'));

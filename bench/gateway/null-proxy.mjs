// The floor for one Node.js proxy hop on this machine: node:http in, an undici Pool out, nothing else (no
// auth, policy, limits or events). The gateway bench runs it beside the gateway in the half-load phase.
//   node bench/gateway/null-proxy.mjs <upstream base URL, e.g. http://127.0.0.1:4000/v1> <port>
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new URL(process.argv[2]);
const pool = new Pool(upstream.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 10_000 });

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    pool
      .request({
        path: `${upstream.pathname.replace(/\/$/, '')}${req.url.replace(/^\/v1/, '')}`,
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      })
      .then(async (response) => {
        const body = Buffer.from(await response.body.arrayBuffer());
        res.writeHead(response.statusCode, {
          'content-type': response.headers['content-type'] ?? 'application/json',
          'content-length': body.length,
        });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
}).listen(Number(process.argv[3]), '127.0.0.1', () => console.log('listening'));

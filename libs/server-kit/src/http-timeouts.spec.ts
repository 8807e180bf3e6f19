import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { DEFAULT_HTTP_TIMEOUTS, httpTimeoutsFromEnv, timedServerFactory } from './http-timeouts';

/** Sends `head` (and then `drip` one byte at a time every `everyMs`), resolves with all the server said. */
function exchange(port: number, head: string, drip = '', everyMs = 200): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(answer);
    });
    socket.write(head);
    let i = 0;
    if (drip.length > 0) {
      timer = setInterval(() => {
        if (i < drip.length && !socket.destroyed) socket.write(drip[i++]);
      }, everyMs);
    }
  });
}

function errorBody(answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
}

describe('timedServerFactory', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const timeouts = { headersMs: 1_000, requestMs: 1_500, idleMs: 10_000, keepAliveMs: 1_000 };
    server = timedServerFactory(timeouts)((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('closes a connection whose body trickles in, with a 408 in the error shape', async () => {
    const started = Date.now();
    const answer = await exchange(
      port,
      'POST /admin/v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
      '{"name":"' + 'a'.repeat(90),
    );
    expect(answer.startsWith('HTTP/1.1 408')).toBe(true);
    expect(errorBody(answer)).toEqual({
      error: {
        message: expect.any(String),
        type: 'invalid_request_error',
        param: null,
        code: 'request_timeout',
      },
    });
    expect(Date.now() - started).toBeLessThan(20_000); // the trickle alone would take 18 s
  }, 30_000);

  it('closes a connection whose headers trickle in', async () => {
    const answer = await exchange(port, 'GET / HTTP/1.1\r\n', 'X-Slow: ' + 'a'.repeat(60), 200);
    expect(answer.startsWith('HTTP/1.1 408')).toBe(true);
  }, 30_000);

  it('answers oversized headers with 431 and unparsable HTTP with 400, in the error shape', async () => {
    const big = await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big.startsWith('HTTP/1.1 431')).toBe(true);
    expect(errorBody(big)).toMatchObject({ error: { code: 'headers_too_large', param: null } });
    const garbage = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.startsWith('HTTP/1.1 400')).toBe(true);
    expect(errorBody(garbage)).toMatchObject({
      error: { code: 'invalid_http', type: 'invalid_request_error' },
    });
  });

  it('still serves a normal request', async () => {
    const answer = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
  });
});

describe('httpTimeoutsFromEnv', () => {
  it('has documented defaults and reads HTTP_*_TIMEOUT_MS', () => {
    expect(httpTimeoutsFromEnv({})).toEqual(DEFAULT_HTTP_TIMEOUTS);
    expect(httpTimeoutsFromEnv({ HTTP_REQUEST_TIMEOUT_MS: '60000', HTTP_IDLE_TIMEOUT_MS: '5000' })).toEqual({
      ...DEFAULT_HTTP_TIMEOUTS,
      requestMs: 60_000,
      idleMs: 5_000,
    });
  });

  it.each(['0', '-1', '1.5', 'abc', '86400001'])('refuses %s', (v) => {
    expect(() => httpTimeoutsFromEnv({ HTTP_HEADERS_TIMEOUT_MS: v })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
  });
});

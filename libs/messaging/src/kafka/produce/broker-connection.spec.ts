import { createServer, type Server, type Socket } from 'node:net';
import { BrokerConnection } from './broker-connection';

/** A stand-in peer that records request frames and answers with whatever bytes the test gives it. */
async function peer(): Promise<{ server: Server; port: number; sockets: Socket[]; frames: Buffer[] }> {
  const sockets: Socket[] = [];
  const frames: Buffer[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk) => frames.push(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, sockets, frames };
}

function response(correlationId: number, body: string): Buffer {
  const bytes = Buffer.from(body);
  const frame = Buffer.alloc(8 + bytes.length);
  frame.writeInt32BE(4 + bytes.length, 0);
  frame.writeInt32BE(correlationId, 4);
  bytes.copy(frame, 8);
  return frame;
}

const until = async (probe: () => boolean) => {
  while (!probe()) await new Promise((resolve) => setImmediate(resolve));
};

describe('BrokerConnection', () => {
  let fake: Awaited<ReturnType<typeof peer>>;
  beforeEach(async () => (fake = await peer()));
  afterEach(() => new Promise((resolve) => fake.server.close(resolve)));

  it('matches responses to requests whether they arrive split byte by byte or several in one chunk', async () => {
    const connection = new BrokerConnection('127.0.0.1', fake.port, 5_000);
    const first = connection.request(Buffer.from('request-1'), 1);
    const second = connection.request(Buffer.from('request-2'), 2);
    const third = connection.request(Buffer.from('request-3'), 3);
    await until(() => fake.sockets.length === 1 && Buffer.concat(fake.frames).length === 27);
    const [socket] = fake.sockets;
    // The second answer first, one byte per write; then the first and third in a single write.
    for (const byte of response(2, 'two')) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket.write(Buffer.concat([response(1, 'one'), response(3, 'three')]));
    expect((await first).toString()).toBe('one');
    expect((await second).toString()).toBe('two');
    expect((await third).toString()).toBe('three');
    expect(connection.usable).toBe(true);
    connection.close();
  });

  it('fails a request left unanswered for the timeout and is not used again', async () => {
    const connection = new BrokerConnection('127.0.0.1', fake.port, 200);
    await expect(connection.request(Buffer.from('never answered'), 7)).rejects.toThrow(/no answer/);
    expect(connection.usable).toBe(false);
  });

  it('fails every request in flight when the peer closes the connection', async () => {
    const connection = new BrokerConnection('127.0.0.1', fake.port, 5_000);
    const pending = [connection.request(Buffer.from('a'), 1), connection.request(Buffer.from('b'), 2)];
    await until(() => fake.sockets.length === 1 && fake.frames.length > 0);
    fake.sockets[0].destroy();
    for (const request of pending) await expect(request).rejects.toThrow(/closed/);
    expect(connection.usable).toBe(false);
  });

  it('fails at once when nothing listens', async () => {
    const closed = await peer();
    await new Promise((resolve) => closed.server.close(resolve));
    const connection = new BrokerConnection('127.0.0.1', closed.port, 5_000);
    await expect(connection.request(Buffer.from('x'), 1)).rejects.toThrow(/ECONNREFUSED/);
  });
});

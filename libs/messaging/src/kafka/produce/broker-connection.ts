import { Socket, createConnection } from 'node:net';

/**
 * One TCP connection to a Kafka broker for produce requests: size-prefixed frames out, responses matched
 * to requests by correlation id. Any socket error or timeout fails every request in flight and closes
 * the connection; the producer opens a new one for its next attempt.
 */
export class BrokerConnection {
  private readonly socket: Socket;
  private readonly ready: Promise<void>;
  private readonly inFlight = new Map<
    number,
    { resolve: (body: Buffer) => void; reject: (error: Error) => void }
  >();
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private failure: Error | null = null;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly timeoutMs: number,
  ) {
    this.socket = createConnection({ host, port, noDelay: true });
    this.socket.setTimeout(timeoutMs);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.ready.catch(() => undefined);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.fail(error));
    // An idle connection stays open (the broker closes it after connections.max.idle.ms); a request in
    // flight without an answer for timeoutMs fails the connection.
    this.socket.on('timeout', () => {
      if (this.inFlight.size > 0) this.fail(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`));
    });
    this.socket.on('close', () => this.fail(new Error(`connection to ${host}:${port} closed`)));
  }

  get usable(): boolean {
    return this.failure === null;
  }

  /** Sends a whole request frame and resolves with the response body after the correlation id. */
  async request(frame: Buffer, correlationId: number): Promise<Buffer> {
    await this.ready;
    if (this.failure) throw this.failure;
    const response = new Promise<Buffer>((resolve, reject) =>
      this.inFlight.set(correlationId, { resolve, reject }),
    );
    // Like an idle keep-alive socket, an idle connection does not keep the process alive; a request does.
    this.socket.ref();
    this.socket.write(frame);
    return response;
  }

  close(): void {
    this.fail(new Error('connection closed by the producer'));
  }

  private onData(chunk: Buffer): void {
    this.received.push(chunk);
    this.receivedBytes += chunk.length;
    while (this.receivedBytes >= 4) {
      const head = this.received.length === 1 ? this.received[0] : Buffer.concat(this.received);
      const size = head.readInt32BE(0);
      if (head.length < 4 + size) {
        this.received = [head];
        return;
      }
      const correlationId = head.readInt32BE(4);
      const body = head.subarray(8, 4 + size);
      const rest = head.subarray(4 + size);
      this.received = rest.length ? [rest] : [];
      this.receivedBytes = rest.length;
      const waiter = this.inFlight.get(correlationId);
      this.inFlight.delete(correlationId);
      if (this.inFlight.size === 0) this.socket.unref();
      waiter?.resolve(body);
    }
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    for (const waiter of this.inFlight.values()) waiter.reject(error);
    this.inFlight.clear();
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

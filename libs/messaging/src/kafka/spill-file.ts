import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

export interface SpilledMessage {
  topic: string;
  key: string | null;
  value: string | null;
}

/**
 * An append-only JSON-lines file for messages the broker could not take. Each batch is written and
 * fsync'ed before the producer moves on, so an accepted event survives a crash of the gateway while Kafka
 * is away. The values are event envelopes (metadata only), never request text.
 */
export class SpillFile {
  private count = 0;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (existsSync(path)) this.count = this.readAll().length;
  }

  get depth(): number {
    return this.count;
  }

  append(messages: SpilledMessage[]): void {
    const size = existsSync(this.path) ? statSync(this.path).size : 0;
    const lines = messages.map((message) => JSON.stringify(message)).join('\n') + '\n';
    if (size + Buffer.byteLength(lines) > this.maxBytes) {
      throw new Error(`spill file ${this.path} is full (${this.maxBytes} bytes)`);
    }
    const fd = openSync(this.path, 'a', 0o600); // spilled events are the tenants' metadata: owner only
    try {
      writeSync(fd, lines);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.count += messages.length;
  }

  readAll(): SpilledMessage[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as SpilledMessage);
  }

  clear(): void {
    if (existsSync(this.path)) unlinkSync(this.path);
    this.count = 0;
  }
}

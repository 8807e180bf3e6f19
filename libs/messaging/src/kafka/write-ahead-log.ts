import {
  closeSync,
  fsync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';

export interface LoggedMessage {
  topic: string;
  key: string | null;
  value: string | null;
}

export interface WriteAheadLogOptions {
  /** Appends beyond this many bytes on disk (all segments) are refused (append returns false). */
  maxBytes?: number;
  /** The active segment is sealed past this size, so acknowledged segments can be deleted whole. */
  segmentBytes?: number;
  /** 0: no fsync (the page cache survives a process kill, not a machine crash); else fsync every n ms. */
  fsyncIntervalMs?: number;
  /** A legacy JSON-lines spill file (same line format) replayed as the oldest segment, then deleted. */
  legacySpillPath?: string;
}

interface Segment {
  seq: number;
  path: string;
  size: number;
  /** Bytes from the start the broker acknowledged (persisted in the .ack file next to the segment). */
  acked: number;
  records: number;
  ackedRecords: number;
  /** No longer appended to. */
  sealed: boolean;
  /** Its unacknowledged records are not held in memory: the replayer reads them back from the file. */
  backlog: boolean;
  fd: number | null;
  ackFd: number | null;
}

/** A chunk read back from a segment: whole lines only; `end` is the byte offset after the last one. */
export interface LogChunk {
  seq: number;
  messages: LoggedMessage[];
  end: number;
  /** Lines read from the segment's start up to `end`. */
  records: number;
}

/** Where the live sender stands: everything appended so far, as of the moment it took its batches. */
export interface LogPosition {
  seq: number;
  offset: number;
  records: number;
}

const SEGMENT = /^(\d{12})\.wal$/;
const ACK_WIDTH = 16;

/**
 * The producer's local log: every published message is appended here (one write() per publish call,
 * from the publishing thread) before publish returns, so once the response that produced an event is
 * written the event is in the OS page cache and survives a kill of the process; with fsyncIntervalMs it
 * reaches the disk within that interval (machine crash). Files are segments of JSON lines
 * (`{"topic","key","value"}`: event envelopes, metadata only), mode 0600. What the broker acknowledged
 * is recorded per segment in a small `.ack` file; a sealed segment acknowledged to its end is deleted.
 *
 * Two senders read it. The live sender sends what it also holds in memory (the producer's open batches)
 * and acknowledges positions in order. Backlog segments (left by an earlier run, or the live part when a
 * send failed) are read back from disk a bounded chunk at a time by the replayer.
 */
export class WriteAheadLog {
  private readonly segments: Segment[] = [];
  private active!: Segment;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly fsyncIntervalMs: number;
  private readonly fsyncTimer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(
    private readonly dir: string,
    options: WriteAheadLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
    this.fsyncIntervalMs = options.fsyncIntervalMs ?? 0;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const names = readdirSync(dir)
      .map((name) => SEGMENT.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]));
    if (options.legacySpillPath && existsSync(options.legacySpillPath)) {
      this.segments.push(this.openLeftOver(-1, options.legacySpillPath));
    }
    for (const match of names) this.segments.push(this.openLeftOver(Number(match[1]), join(dir, match[0])));
    for (const segment of [...this.segments]) this.deleteIfDone(segment);
    this.openActive(Math.max(0, ...names.map((m) => Number(m[1]))) + 1);
    if (this.fsyncIntervalMs > 0) {
      this.fsyncTimer = setInterval(() => this.sync(true), this.fsyncIntervalMs);
      this.fsyncTimer.unref();
    }
  }

  /** Appends the messages in one write; false when the log is full (maxBytes) and nothing was written. */
  append(topic: string, messages: readonly { key: string | null; value: string | null }[]): boolean {
    let lines = '';
    for (const { key, value } of messages) lines += JSON.stringify({ topic, key, value }) + '\n';
    const bytes = Buffer.from(lines);
    if (this.unackedBytes() + bytes.length > this.maxBytes) return false;
    if (this.active.size >= this.segmentBytes) this.roll(false);
    writeSync(this.active.fd!, bytes);
    this.active.size += bytes.length;
    this.active.records += messages.length;
    this.dirty = true;
    return true;
  }

  position(): LogPosition {
    return { seq: this.active.seq, offset: this.active.size, records: this.active.records };
  }

  /** The live sender's batches up to `position` were acknowledged (and so was every live segment before). */
  ackLive(position: LogPosition): void {
    for (const segment of [...this.segments]) {
      if (segment.backlog || segment.seq > position.seq) continue;
      if (segment.seq < position.seq) this.ack(segment, segment.size, segment.records);
      else this.ack(segment, position.offset, position.records);
    }
  }

  /** The replayer's chunk was acknowledged. */
  ackChunk(chunk: LogChunk): void {
    const segment = this.segments.find((s) => s.seq === chunk.seq);
    if (segment) this.ack(segment, chunk.end, chunk.records);
  }

  /**
   * Everything not acknowledged so far becomes backlog (read back from disk from now on) and a new
   * active segment starts: called when a live send failed, and when the broker is back.
   */
  toBacklog(): void {
    for (const segment of this.segments) if (segment.sealed) segment.backlog = true;
    this.roll(true);
  }

  /** The oldest backlog segment with bytes the broker has not acknowledged. */
  nextBacklog(): { seq: number; acked: number; ackedRecords: number } | null {
    return this.segments.find((s) => s.backlog && s.acked < s.size) ?? null;
  }

  /** Whole lines of a backlog segment from its acknowledged offset, up to about maxBytes. */
  read(seq: number, maxBytes: number): LogChunk | null {
    const segment = this.segments.find((s) => s.seq === seq);
    if (!segment) return null;
    const from = segment.acked;
    const length = Math.min(maxBytes, segment.size - from);
    const buffer = Buffer.allocUnsafe(length);
    const fd = openSync(segment.path, 'r');
    let read = 0;
    try {
      while (read < length) {
        const n = readSync(fd, buffer, read, length - read, from + read);
        if (n === 0) break;
        read += n;
      }
    } finally {
      closeSync(fd);
    }
    const atEnd = from + read >= segment.size;
    const lastNewline = read > 0 ? buffer.lastIndexOf(0x0a, read - 1) : -1;
    if (lastNewline < 0 && !atEnd) {
      throw new Error(`a line in ${basename(segment.path)} is longer than ${maxBytes} bytes`);
    }
    const messages: LoggedMessage[] = [];
    for (const line of buffer.toString('utf8', 0, lastNewline + 1).split('\n')) {
      if (line.length === 0) continue;
      try {
        messages.push(JSON.parse(line) as LoggedMessage);
      } catch {
        // a line torn by a machine crash never completed, so no response waited on it
      }
    }
    // Bytes after the last newline at the end of a sealed segment are such a torn line: skipped.
    const end = atEnd ? segment.size : from + lastNewline + 1;
    const lines = lastNewline < 0 ? 0 : countNewlines(buffer, lastNewline + 1);
    return { seq, messages, end, records: segment.ackedRecords + lines };
  }

  /** Backlog records the broker has not acknowledged yet. */
  backlogRecords(): number {
    let count = 0;
    for (const s of this.segments) if (s.backlog) count += s.records - s.ackedRecords;
    return count;
  }

  /** Records in the active segment not acknowledged yet. */
  activeUnacked(): number {
    return this.active.records - this.active.ackedRecords;
  }

  /**
   * Forces what was appended to disk. The interval timer calls it with `background`: the fsync runs on
   * libuv's thread pool, not on the event loop that serves requests (a segment is fsync'ed before it is
   * closed at a roll, so an fsync that outlives its descriptor loses nothing).
   */
  sync(background = false): void {
    if (!this.dirty || this.active.fd === null) return;
    this.dirty = false;
    if (background) fsync(this.active.fd, () => undefined);
    else fsyncSync(this.active.fd);
  }

  close(): void {
    if (this.fsyncTimer) clearInterval(this.fsyncTimer);
    this.sync();
    this.active.sealed = true;
    for (const segment of [...this.segments]) {
      if (segment.fd !== null) closeSync(segment.fd);
      segment.fd = null;
      if (!this.deleteIfDone(segment) && segment.ackFd !== null) closeSync(segment.ackFd);
      segment.ackFd = null;
    }
  }

  private ack(segment: Segment, offset: number, records: number): void {
    if (offset <= segment.acked) return;
    segment.acked = offset;
    segment.ackedRecords = records;
    if (this.deleteIfDone(segment)) return;
    segment.ackFd ??= openSync(`${segment.path}.ack`, 'w', 0o600);
    writeSync(segment.ackFd, String(offset).padStart(ACK_WIDTH, '0'), 0);
  }

  private unackedBytes(): number {
    let bytes = 0;
    for (const s of this.segments) bytes += s.size - s.acked;
    return bytes;
  }

  /** Seals the active segment and opens the next one. */
  private roll(asBacklog: boolean): void {
    const previous = this.active;
    if (this.dirty && this.fsyncIntervalMs > 0) fsyncSync(previous.fd!);
    previous.sealed = true;
    previous.backlog = asBacklog;
    closeSync(previous.fd!);
    previous.fd = null;
    this.openActive(previous.seq + 1);
    this.deleteIfDone(previous);
  }

  private openActive(seq: number): void {
    const path = join(this.dir, `${String(seq).padStart(12, '0')}.wal`);
    const fd = openSync(path, 'a', 0o600);
    if (this.fsyncIntervalMs > 0) syncDirectory(this.dir);
    const size = statSync(path).size;
    this.active = {
      seq,
      path,
      size,
      acked: size,
      records: 0,
      ackedRecords: 0,
      sealed: false,
      backlog: false,
      fd,
      ackFd: null,
    };
    this.segments.push(this.active);
  }

  /** A segment left by an earlier run: backlog, acknowledged up to its .ack file, lines counted. */
  private openLeftOver(seq: number, path: string): Segment {
    const size = statSync(path).size;
    let acked = 0;
    if (existsSync(`${path}.ack`)) {
      const fd = openSync(`${path}.ack`, 'r');
      const buffer = Buffer.alloc(ACK_WIDTH);
      readSync(fd, buffer, 0, ACK_WIDTH, 0);
      closeSync(fd);
      acked = Math.min(size, Number(buffer.toString()) || 0);
    }
    return {
      seq,
      path,
      size,
      acked,
      records: countLines(path, 0, size),
      ackedRecords: countLines(path, 0, acked),
      sealed: true,
      backlog: true,
      fd: null,
      ackFd: null,
    };
  }

  /** Deletes a sealed segment acknowledged to its end; true when it did. */
  private deleteIfDone(segment: Segment): boolean {
    if (!segment.sealed || segment.acked < segment.size) return false;
    if (segment.ackFd !== null) closeSync(segment.ackFd);
    segment.ackFd = null;
    for (const path of [segment.path, `${segment.path}.ack`]) if (existsSync(path)) unlinkSync(path);
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    return true;
  }
}

function countNewlines(buffer: Buffer, length: number): number {
  let count = 0;
  for (let i = buffer.indexOf(0x0a); i >= 0 && i < length; i = buffer.indexOf(0x0a, i + 1)) count++;
  return count;
}

function countLines(path: string, from: number, to: number): number {
  if (to <= from) return 0;
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let count = 0;
  try {
    for (let at = from; at < to;) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, to - at), at);
      if (n === 0) break;
      count += countNewlines(buffer, n);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

/** A new file's directory entry reaches the disk only when the directory is fsync'ed. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // not every platform can fsync a directory
  }
}

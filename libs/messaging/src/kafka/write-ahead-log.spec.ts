import { appendFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteAheadLog } from './write-ahead-log';

const values = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ key: 'k', value: `${tag}${i}` }));

describe('WriteAheadLog', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pgw-wal-'))));

  it('writes every append to a 0600 file at once, and deletes segments the live sender acknowledged', () => {
    const log = new WriteAheadLog(dir, { segmentBytes: 200 });
    log.append('t', values(3, 'a'));
    const [file] = readdirSync(dir);
    expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, file)).size).toBeGreaterThan(0); // on disk before any send
    const upTo = log.position();
    log.append('t', values(5, 'b')); // past segmentBytes: the next append rolls
    log.append('t', values(1, 'c'));
    expect(readdirSync(dir).filter((n) => n.endsWith('.wal'))).toHaveLength(2);
    log.ackLive(upTo); // only part of the first segment
    expect(readdirSync(dir).filter((n) => n.endsWith('.wal'))).toHaveLength(2);
    log.ackLive(log.position()); // everything: the sealed segment goes, the active one stays
    expect(readdirSync(dir).filter((n) => n.endsWith('.wal'))).toHaveLength(1);
    expect(log.backlogRecords()).toBe(0);
    log.close();
    expect(readdirSync(dir)).toEqual([]); // wholly acknowledged: nothing left for a restart
  });

  it('turns what was not acknowledged into backlog, read back in order in bounded chunks', () => {
    const log = new WriteAheadLog(dir);
    log.append('t', values(2, 'a'));
    log.ackLive(log.position());
    log.append('t', values(4, 'b'));
    log.toBacklog(); // a live send failed
    log.append('t', values(1, 'new')); // the new active segment is not backlog
    expect(log.backlogRecords()).toBe(4);
    const next = log.nextBacklog()!;
    const first = log.read(next.seq, 60)!; // about two lines per chunk
    expect(first.messages.length).toBeGreaterThan(0);
    expect(first.messages.length).toBeLessThan(4);
    log.ackChunk(first);
    const rest = log.read(next.seq, 10_000)!;
    expect([...first.messages, ...rest.messages].map((m) => m.value)).toEqual(['b0', 'b1', 'b2', 'b3']);
    log.ackChunk(rest);
    expect(log.nextBacklog()).toBeNull();
    expect(log.backlogRecords()).toBe(0);
    log.close();
  });

  it('replays after a restart from where the acknowledgements stopped, skipping a torn last line', () => {
    const first = new WriteAheadLog(dir);
    first.append('t', values(3, 'a'));
    const acked = first.position();
    first.append('t', values(2, 'b'));
    first.ackLive(acked); // the .ack file says: up to a2
    // no close(): the process is killed; a machine crash also tore a last write
    const [segment] = readdirSync(dir).filter((n) => n.endsWith('.wal'));
    appendFileSync(join(dir, segment), '{"topic":"t","key":"k","val');
    const second = new WriteAheadLog(dir);
    expect(second.backlogRecords()).toBe(2);
    const next = second.nextBacklog()!;
    const chunk = second.read(next.seq, 1 << 20)!;
    expect(chunk.messages.map((m) => m.value)).toEqual(['b0', 'b1']);
    second.ackChunk(chunk);
    expect(second.nextBacklog()).toBeNull();
    second.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses appends past maxBytes instead of filling the disk', () => {
    const log = new WriteAheadLog(dir, { maxBytes: 100 });
    expect(log.append('t', values(1, 'x'))).toBe(true);
    expect(log.append('t', values(5, 'y'))).toBe(false);
    log.close();
  });

  it('replays a spill file of earlier versions as its oldest backlog', () => {
    const legacy = join(dir, 'old.spill.jsonl');
    writeFileSync(legacy, JSON.stringify({ topic: 't', key: null, value: 'old' }) + '\n');
    const log = new WriteAheadLog(join(dir, 'log'), { legacySpillPath: legacy });
    const chunk = log.read(log.nextBacklog()!.seq, 1 << 20)!;
    expect(chunk.messages).toEqual([{ topic: 't', key: null, value: 'old' }]);
    log.ackChunk(chunk);
    expect(readdirSync(dir)).toEqual(['log']);
    log.close();
  });
});

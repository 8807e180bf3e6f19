import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

type QueryCallback = (error: Error | null, result?: unknown) => void;
type ConnectCallback = (error: Error | null, client?: PGliteClient, release?: () => void) => void;

/** One PGlite database per data directory per process: the embedded services share it, each in its schema. */
const instances = new Map<string, PGlite>();

export function pgliteInstance(dataDir: string): PGlite {
  let instance = instances.get(dataDir);
  if (!instance) {
    if (dataDir !== ':memory:') ownerOnlyDataDir(dataDir);
    instance = new PGlite(dataDir === ':memory:' ? undefined : dataDir);
    instances.set(dataDir, instance);
  }
  return instance;
}

/**
 * The data directory holds key hashes and audit rows; PGlite creates its files world-readable (0666
 * less the umask), so the directory itself is made owner-only (0700), also when it already existed.
 */
export function ownerOnlyDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

export async function closePgliteInstances(): Promise<void> {
  for (const [dir, instance] of instances) {
    instances.delete(dir);
    await instance.close();
  }
}

/**
 * PGlite is a single connection. This mutex makes it look like a `pg` pool of size one, so a TypeORM
 * transaction in one embedded service is never interleaved with another service's statements.
 */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release: () => void = () => undefined;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

const mutexes = new WeakMap<PGlite, Mutex>();

class PGliteClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  query(sql: string, params?: unknown[] | QueryCallback, callback?: QueryCallback): Promise<unknown> {
    const cb = typeof params === 'function' ? params : callback;
    const values = typeof params === 'function' ? undefined : params;
    const run =
      values && values.length > 0
        ? this.db.query(sql, values)
        : this.db.exec(sql).then((results) => results[results.length - 1] ?? { rows: [], fields: [] });
    const withCount = run.then((result) => ({
      ...result,
      rowCount: result.affectedRows ?? result.rows.length,
    }));
    return withCount.then(
      (result) => {
        cb?.(null, result);
        return result;
      },
      (error: Error) => {
        cb?.(error);
        throw error;
      },
    );
  }
}

/** A `pg`-module look-alike for TypeORM's postgres driver (`driver` option). */
export function pgliteDriverModule(dataDir: string): object {
  class Pool extends EventEmitter {
    private readonly db = pgliteInstance(dataDir);
    private readonly mutex: Mutex;
    constructor() {
      super();
      let mutex = mutexes.get(this.db);
      if (!mutex) mutexes.set(this.db, (mutex = new Mutex()));
      this.mutex = mutex;
    }
    connect(callback: ConnectCallback): void {
      void this.db.waitReady.then(
        () => this.mutex.acquire().then((release) => callback(null, new PGliteClient(this.db), release)),
        (error: Error) => callback(error),
      );
    }
    async query(sql: string, params?: unknown[]): Promise<unknown> {
      const release = await this.mutex.acquire();
      try {
        return await new PGliteClient(this.db).query(sql, params);
      } finally {
        release();
      }
    }
    end(callback?: (error: Error | null) => void): void {
      callback?.(null); // the shared instance is closed by closePgliteInstances()
    }
  }
  return { Pool };
}

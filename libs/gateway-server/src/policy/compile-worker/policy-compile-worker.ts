import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PrebuiltScans } from '@pgw/policy-engine';
import type { CompileReply, CompileRequest } from './compile-messages';

/** Policy configs at least this long (JSON characters) are compiled in the worker thread. */
export const LARGE_POLICY_CONFIG_CHARS = 64 * 1024;

export class PolicyCompileError extends Error {}

interface Waiting {
  resolve(tables: PrebuiltScans): void;
  reject(error: Error): void;
}

/**
 * One worker thread that compiles large policy configs off the event loop and hands back their scan
 * tables (the Aho-Corasick automata and owner tables, most of a large denylist's compile time) as
 * transferred typed arrays. Started on first use; requests are answered in order.
 */
export class PolicyCompileWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  /** Compiles `config` in the worker; rejects with PolicyCompileError when it does not compile. */
  scanTables(config: unknown): Promise<PrebuiltScans> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: CompileRequest = { id, config };
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    this.failAll(new Error('policy compile worker closed'));
  }

  private start(): Worker {
    const entry = join(__dirname, `policy-compile.worker${extname(__filename)}`);
    // Under Jest the sources are TypeScript: the worker loads them through swc (tests only).
    const worker =
      extname(entry) === '.ts'
        ? new Worker(
            `require(${JSON.stringify(join(__dirname, 'ts-worker-loader.cjs'))})(${JSON.stringify(entry)}, ${JSON.stringify(workspaceRoot())})`,
            { eval: true },
          )
        : new Worker(entry);
    worker.unref();
    worker.on('message', (reply: CompileReply) => {
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.waiting.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.tables);
      else waiting.reject(new PolicyCompileError(reply.message));
    });
    worker.on('error', (error) => this.crashed(worker, error));
    worker.on('exit', (code) => this.crashed(worker, new Error(`policy compile worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  /** A crashed worker fails what it held; the next request starts a new one. */
  private crashed(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'tsconfig.base.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tsconfig.base.json not found above the policy compile worker');
    dir = parent;
  }
  return dir;
}

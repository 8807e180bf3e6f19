import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { waitFor } from '@pgw/testing';

export const repoRoot = resolve(__dirname, '..', '..');

/** A free TCP port on loopback (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** One of the product's apps, run from the build output as its own OS process. */
export class ServiceProcess {
  private output = '';
  private readonly child: ChildProcess;

  constructor(
    readonly app: string,
    readonly port: number,
    env: Record<string, string>,
  ) {
    const entry = resolve(repoRoot, 'dist', 'apps', app, 'src', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    this.child = spawn(process.execPath, [entry], {
      cwd: repoRoot,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything the process printed (the canary check reads it). */
  get logs(): string {
    return this.output;
  }

  /** The exit code once the process exited by itself (null while it runs or after a signal). */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async waitUntilReady(path = '/readyz', timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        if (this.exited) throw new Error(`${this.app} exited:\n${this.output}`);
        const response = await fetch(this.url + path).catch(() => null);
        return response?.status === 200;
      },
      { timeoutMs, intervalMs: 100, description: `${this.app} ${path}` },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- ${this.app} output ---\n${this.output}`);
    });
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed (a crash). */
  async kill9(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

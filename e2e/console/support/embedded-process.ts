import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { waitFor } from '@pgw/testing';
import { freePort, repoRoot } from '../../support/service-process';

/** `npm start`'s process (from dist/, as npm test builds it first) with a throwaway data directory. */
export class EmbeddedProcess {
  private output = '';
  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    readonly base: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(): Promise<EmbeddedProcess> {
    const entry = resolve(repoRoot, 'dist/apps/embedded/src/main.js');
    if (!existsSync(resolve(repoRoot, 'dist/apps/console/index.html')) || !existsSync(entry)) {
      throw new Error('dist/ has no embedded app or console: run `npm run build` first');
    }
    const port = await freePort();
    const dataDir = resolve(repoRoot, 'tmp', `console-e2e-${randomUUID()}`);
    const child = spawn(process.execPath, [entry], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const embedded = new EmbeddedProcess(child, dataDir, `http://127.0.0.1:${port}`);
    await waitFor(() => embedded.output.includes('demo key') || child.exitCode !== null, {
      timeoutMs: 150_000,
      description: 'the embedded mode to print its demo key',
    });
    if (child.exitCode !== null) throw new Error(`embedded mode exited:\n${embedded.output}`);
    return embedded;
  }

  /** A value of the start banner, e.g. printed('admin token'). */
  printed(label: string): string {
    const match = new RegExp(`${label}\\s*:\\s*(\\S+)`).exec(this.output);
    if (!match?.[1]) throw new Error(`"${label}" was not printed:\n${this.output}`);
    return match[1];
  }

  get log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((done) => this.child.once('exit', done));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

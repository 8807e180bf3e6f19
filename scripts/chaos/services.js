'use strict';
// The four services as OS processes from the build output (dist/), and a mock upstream provider.
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { createServer } = require('node:http');
const { join } = require('node:path');
const { ROOT } = require('./infra');

class Service {
  constructor(app, port, env) {
    this.app = app;
    this.port = port;
    this.env = env;
    this.url = `http://127.0.0.1:${port}`;
    this.output = '';
    this.child = null;
  }

  start() {
    const entry = join(ROOT, 'dist', 'apps', this.app, 'src', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    this.child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk) => (this.output = (this.output + chunk.toString()).slice(-200_000));
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.exited = new Promise((done) => this.child.once('exit', done));
    return this;
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitReady(timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.app} exited:\n${this.output}`);
      const response = await fetch(`${this.url}/readyz`).catch(() => null);
      if (response?.status === 200) return;
      await sleep(100);
    }
    throw new Error(`${this.app} not ready after ${timeoutMs} ms:\n${this.output.slice(-5_000)}`);
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  async kill9() {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop() {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Lines the service logged that match a pattern (for the log checks). */
  logLines(pattern) {
    return this.output.split('\n').filter((line) => pattern.test(line));
  }
}

/** An OpenAI-compatible upstream answering every chat completion at once with fixed usage. */
async function startMockUpstream() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({
        id: 'chatcmpl-chaos',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: 'mock',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    close: () => new Promise((done) => server.close(done)),
  };
}

function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

module.exports = { Service, startMockUpstream, sleep };

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
    /** [ms, line] for Kafka-related log lines (see start). */
    this.timed = [];
    this.child = null;
  }

  start() {
    const entry = join(ROOT, 'dist', 'apps', this.app, 'src', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    this.child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      // Its own metrics port too: the defaults (9090, 9092, 9093) may be taken by anything else on the machine.
      env: {
        ...process.env,
        ...this.env,
        PORT: String(this.port),
        METRICS_PORT: String(this.port + 100),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk) => {
      const text = chunk.toString();
      this.output = (this.output + text).slice(-200_000);
      // The Kafka lines with when they came (the gateway's replay, consumers' retries): the catch-up timeline.
      for (const line of text.split('\n'))
        if (/\[kafka\]|replayed|unreachable/.test(line)) this.timed.push([Date.now(), line.slice(0, 200)]);
    };
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

  /** Kafka-related lines logged since `since`, as "+1.234s line" (times relative to `since`). */
  timedLines(since) {
    return this.timed
      .filter(([at]) => at >= since - 60_000)
      .map(([at, line]) => `${((at - since) / 1000).toFixed(3)}s ${line}`);
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

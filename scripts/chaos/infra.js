'use strict';
// The chaos suite's own broker and Postgres cluster: stopping them never touches the shared ones.
const { execFile, execFileSync, spawnSync } = require('node:child_process');
const { connect } = require('node:net');
const { promisify } = require('node:util');

/** Asynchronous, so the load and the mock upstream in this process keep running meanwhile. */
async function run(file, args, env) {
  const child = promisify(execFile)(file, args, { env, maxBuffer: 16 * 1024 * 1024 });
  const { stderr } = await child;
  if (stderr) process.stderr.write(stderr);
}
const { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..', '..');

/** A single-node Kafka from scripts/kafka/kafka.sh on its own ports and data directory. */
class OwnKafka {
  constructor({ port, controllerPort }) {
    this.port = port;
    this.env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort) };
    this.brokers = `127.0.0.1:${port}`;
  }

  start() {
    return run('bash', [join(ROOT, 'scripts/kafka/kafka.sh'), 'start'], this.env);
  }

  /**
   * Starts the broker and answers when it first accepted a TCP connection (its return, from which
   * catch-up is measured) and when the start script finished (topics checked: usable).
   */
  async startTimed() {
    let acceptingAt = null;
    let started = false;
    const probing = (async () => {
      while (!started && acceptingAt === null) {
        if (await portOpen(this.port)) acceptingAt = Date.now();
        else await new Promise((done) => setTimeout(done, 50));
      }
    })();
    await this.start();
    started = true;
    await probing;
    return { acceptingAt: acceptingAt ?? Date.now(), usableAt: Date.now() };
  }

  stop() {
    return run('bash', [join(ROOT, 'scripts/kafka/kafka.sh'), 'stop'], this.env);
  }

  /** Deletes this broker's data (its port-named files under .kafka), so the next run starts empty. */
  wipe() {
    const dir = join(ROOT, '.kafka');
    for (const name of [`data-${this.port}`, `cluster-id-${this.port}`])
      rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Postgres binaries: PG_BIN, else pg_config's, else Debian's newest /usr/lib/postgresql/<v>/bin. */
function postgresBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0 && existsSync(join(pgConfig.stdout.trim(), 'initdb')))
    return pgConfig.stdout.trim();
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions)
    if (existsSync(join(base, version, 'bin', 'initdb'))) return join(base, version, 'bin');
  throw new Error('no Postgres binaries found: set PG_BIN to the directory holding initdb and pg_ctl');
}

/** A throwaway Postgres cluster (initdb + pg_ctl) on its own port, trust auth, user postgres. */
class OwnPostgres {
  constructor({ port, dir }) {
    this.port = port;
    this.dir = dir;
    this.bin = postgresBin();
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    // initdb and postgres refuse to run as root: then they run as the postgres user.
    this.asUser = process.getuid?.() === 0 ? 'postgres' : null;
  }

  run(tool, args) {
    const command = join(this.bin, tool);
    const [file, argv] = this.asUser
      ? ['runuser', ['-u', this.asUser, '--', command, ...args]]
      : [command, args];
    return run(file, argv, process.env);
  }

  async init() {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    chmodSync(this.dir, 0o700);
    if (this.asUser) {
      const { uid, gid } = userIds(this.asUser);
      chownSync(this.dir, uid, gid);
    }
    await this.run('initdb', ['-D', this.dir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  }

  start() {
    // pg_ctl's own output goes to server.log; -w returns once the server accepts connections.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    return this.run('pg_ctl', [
      '-D',
      this.dir,
      '-l',
      join(this.dir, 'server.log'),
      '-o',
      options,
      '-w',
      'start',
    ]);
  }

  stop() {
    return this.run('pg_ctl', ['-D', this.dir, '-m', 'fast', '-w', 'stop']);
  }

  async destroy() {
    if (existsSync(join(this.dir, 'postmaster.pid'))) await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function portOpen(port) {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    const answer = (open) => {
      socket.destroy();
      done(open);
    };
    socket.setTimeout(500);
    socket.once('connect', () => answer(true));
    socket.once('error', () => answer(false));
    socket.once('timeout', () => answer(false));
  });
}

function userIds(name) {
  const out = execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim();
  return { uid: Number(out), gid: Number(gid) };
}

module.exports = { OwnKafka, OwnPostgres, ROOT };

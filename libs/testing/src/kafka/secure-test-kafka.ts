import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The second test broker: SASL_SSL only, SCRAM-SHA-256/512 and PLAIN users, a CA made at start. */
export interface SecureTestKafka {
  brokers: string[];
  /** The CA that signed the broker certificate; a CA that signed nothing here; an mTLS client pair. */
  caFile: string;
  untrustedCaFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  username: string;
  passwordFile: string;
  /**
   * The record batches of one partition as the broker stored them (Kafka's DumpLogSegments on the broker's
   * own files): which producer id and sequence numbers each record was written with.
   */
  storedRecords(topic: string, partition: number): StoredRecord[];
  /** The environment a service connects with (SCRAM-SHA-512 over TLS, the password as a mounted file). */
  env: Record<string, string>;
  /**
   * Stops the broker if this call started it (a broker that was already running is left as it was): a
   * fresh checkout's run must not leave a broker behind whose certificates go with the checkout.
   */
  stop(): void;
}

export interface StoredRecord {
  offset: bigint;
  key: string;
  /** -1 for a producer that is not idempotent. */
  producerId: number;
  sequence: number;
}

const repoRoot = resolve(__dirname, '..', '..', '..', '..');

function dumpRecords(partitionDir: string): StoredRecord[] {
  const segments = readdirSync(partitionDir)
    .filter((name) => name.endsWith('.log'))
    .map((name) => join(partitionDir, name));
  const out = execFileSync(
    'java',
    [
      '-cp',
      join(repoRoot, '.kafka', 'libs', '*'),
      'kafka.tools.DumpLogSegments',
      '--print-data-log',
      '--files',
      segments.join(','),
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const records: StoredRecord[] = [];
  let producerId = -1;
  for (const line of out.split('\n')) {
    const batch = /^baseOffset: \d+ .* producerId: (-?\d+) /.exec(line);
    if (batch) producerId = Number(batch[1]);
    const record = /^\| offset: (\d+) .* sequence: (-?\d+) .* key: (\S*) payload/.exec(line);
    if (record)
      records.push({ offset: BigInt(record[1]), sequence: Number(record[2]), key: record[3], producerId });
  }
  return records;
}

/** kafka.sh's exit code when the port holds a secured broker another checkout started (not our certificates). */
const FOREIGN_BROKER = 3;
/** Port pairs (broker, broker + 1 for the controller) tried in turn when SECURE_KAFKA_PORT is not set. */
const CANDIDATE_PORTS = ['29094', '29194', '29294', '29394'];

function kafkaSh(command: 'start' | 'stop', port: string): void {
  execFileSync('bash', [join(repoRoot, 'scripts', 'kafka', 'kafka.sh'), command], {
    env: {
      ...process.env,
      KAFKA_SECURITY: 'sasl_ssl',
      KAFKA_PORT: port,
      KAFKA_CONTROLLER_PORT: String(Number(port) + 1),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 240_000,
  });
}

/** Whether this checkout's broker on `port` runs (its pid file names a live process). */
function ownBrokerRunning(port: string): boolean {
  try {
    const pid = Number(readFileSync(join(repoRoot, '.kafka', `broker-${port}.pid`), 'utf8').trim());
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function startSecureBroker(): { port: string; started: boolean } {
  const candidates = process.env.SECURE_KAFKA_PORT ? [process.env.SECURE_KAFKA_PORT] : CANDIDATE_PORTS;
  for (const port of candidates) {
    const running = ownBrokerRunning(port);
    try {
      kafkaSh('start', port);
      return { port, started: !running };
    } catch (error) {
      if ((error as { status?: number }).status !== FOREIGN_BROKER) throw error;
    }
  }
  throw new Error(
    `every candidate port for the SASL_SSL test broker holds another checkout's broker: ${candidates.join(', ')}`,
  );
}

/**
 * Starts (or reuses) the SASL_SSL broker of `scripts/kafka/kafka.sh` (KAFKA_SECURITY=sasl_ssl, port
 * 29094 unless SECURE_KAFKA_PORT says otherwise, or the next candidate when another checkout's broker holds
 * it): its own process, ports and data, never the shared plaintext broker. Slow the first time (certificates, storage format, JVM start): call it once per suite.
 * Its topics are created by ensure-topics.js from dist/, so `npm run build` must have run.
 */
export function startSecureTestKafka(): SecureTestKafka {
  const { port, started } = startSecureBroker();
  const dir = join(repoRoot, '.kafka', `sasl-ssl-${port}`);
  const username = readFileSync(join(dir, 'username'), 'utf8').trim();
  const passwordFile = join(dir, 'password');
  const brokers = [`127.0.0.1:${port}`];
  return {
    brokers,
    caFile: join(dir, 'ca.pem'),
    untrustedCaFile: join(dir, 'untrusted-ca.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    username,
    passwordFile,
    storedRecords: (topic, partition) =>
      dumpRecords(join(repoRoot, '.kafka', `data-${port}`, `${topic}-${partition}`)),
    env: {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: username,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    },
    stop: () => {
      if (started) kafkaSh('stop', port);
    },
  };
}

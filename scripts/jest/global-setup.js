// Runs once per Jest run: makes sure a Kafka broker answers (starting the project's own one if not)
// and gives the run an id that test helpers use to name throwaway databases and consumer groups.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalSetup() {
  process.env.PGW_TEST_RUN_ID = process.env.PGW_TEST_RUN_ID || `r${Date.now().toString(36)}`;
  if (process.env.PGW_SKIP_KAFKA === '1') return;
  execFileSync('bash', [path.join(__dirname, '..', 'kafka', 'kafka.sh'), 'start'], { stdio: 'inherit' });
  process.env.KAFKA_BROKERS = process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 19092}`;
};

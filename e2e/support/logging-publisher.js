'use strict';
// A process that publishes through the built KafkaEventBus with a local log and prints each event id
// once publish() returned (the moment a response would be acknowledged), until it is killed.
// argv: <brokers> <log dir> <topic> <run id>
const { KafkaEventBus } = require('../../dist/libs/messaging/src');

const [brokers, logDir, topic, run] = process.argv.slice(2);
const bus = new KafkaEventBus({
  brokers: brokers.split(','),
  clientId: `publisher-${run}`,
  logDir,
  logger: () => undefined,
});
let n = 0;
function next() {
  const id = `${run}:${n++}`;
  bus.publish(topic, [{ key: run, value: JSON.stringify({ event_id: id }) }]);
  process.stdout.write(`${id}\n`);
  setTimeout(next, 1);
}
next();

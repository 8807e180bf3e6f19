import { parentPort, workerData } from 'node:worker_threads';
import { storedTopic } from '@pgw/contracts';
import type {
  OutgoingMessage,
  RawIncomingMessage,
  RawOutgoingMessage,
  Subscription,
} from '../../event-bus.port';
import { KafkaEventBus } from '../kafka-event-bus';
import type {
  FlatMessages,
  FromKafkaThread,
  KafkaThreadHealth,
  KafkaThreadOptions,
  ToKafkaThread,
  WireIncoming,
} from './protocol';

/**
 * The Kafka thread: one KafkaEventBus (batching producer, spill file, ordered replay, followers and
 * consumers) driven by messages from the main thread. kafkajs's encoding, decoding and the garbage they
 * make stay off the thread that serves requests, and kafkajs is never loaded there.
 */
const port = parentPort;
if (!port) throw new Error('kafka.worker must run as a worker thread');

const post = (message: FromKafkaThread): void => port.postMessage(message);
const bus = new KafkaEventBus({
  ...(workerData as KafkaThreadOptions),
  logger: (message) => post({ type: 'log', message }),
});
const subscriptions = new Map<number, Subscription>();
const handlerCalls = new Map<number, (error?: string) => void>();
let nextCall = 1;
let attempted = false;
let lastReported = '';

function health(): KafkaThreadHealth {
  const current = bus.health();
  if (current.connected || current.spilled > 0) attempted = true;
  return { ...current, attempted };
}

/**
 * The worker runs the bus on the main thread's behalf: topics and values arrive as plain strings from the
 * thread boundary, already typed by the main thread's callers, so they re-enter as stored names here.
 */
function publish(flat: FlatMessages): void {
  // Consecutive messages of one topic go in one call.
  let topic = flat[0] as string;
  let group: RawOutgoingMessage[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    const next = flat[i] as string;
    if (next !== topic) {
      bus.publish(storedTopic(topic), group as OutgoingMessage[]);
      topic = next;
      group = [];
    }
    group.push({ key: flat[i + 1], value: flat[i + 2] });
  }
  if (group.length > 0) bus.publish(storedTopic(topic), group as OutgoingMessage[]);
}

function toWire(message: RawIncomingMessage): WireIncoming {
  const { topic, partition, offset, key, value } = message;
  // kafkajs's values are views into the whole fetch response: cloning a view would copy all of it, so
  // each value is copied to its own exact-size array first.
  return { topic, partition, offset, key, value: value === null ? null : new Uint8Array(value) };
}

/** A follower's messages go over in batches, in order; `caught-up` is posted only after what precedes it. */
function followerOutbox(sub: number) {
  let pending: WireIncoming[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    post({ type: 'messages', sub, messages: pending });
    pending = [];
  };
  return {
    add(message: RawIncomingMessage) {
      pending.push(toWire(message));
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    caughtUp() {
      flush();
      post({ type: 'caught-up', sub });
    },
  };
}

async function answer(id: number, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
    post({ type: 'done', id, health: health() });
  } catch (error) {
    post({
      type: 'done',
      id,
      health: health(),
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

// Health goes to the main thread when it changes (readiness and the spill-depth metric read it there).
const reporter = setInterval(() => {
  const current = health();
  const text = JSON.stringify(current);
  if (text === lastReported) return;
  lastReported = text;
  post({ type: 'health', health: current });
}, 100);

port.on('message', (message: ToKafkaThread) => {
  switch (message.type) {
    case 'publish':
      publish(message.messages);
      break;
    case 'flush':
      void answer(message.id, () => bus.flush());
      break;
    case 'publish-and-wait':
      void answer(message.id, () =>
        bus.publishAndWait(storedTopic(message.topic), message.messages as OutgoingMessage[]),
      );
      break;
    case 'follow': {
      const outbox = followerOutbox(message.sub);
      void answer(message.id, async () => {
        const subscription = await bus.follow({
          topics: message.topics.map(storedTopic),
          onMessage: (incoming) => outbox.add(incoming),
        });
        subscriptions.set(message.sub, subscription);
        void subscription.caughtUp.then(() => outbox.caughtUp());
      });
      break;
    }
    case 'consume': {
      const { id, sub, type: _type, ...options } = message;
      void answer(id, async () => {
        const subscription = await bus.consume({
          ...options,
          topic: storedTopic(options.topic),
          // The handler runs on the main thread; offsets move only after it answered without an error.
          handler: (batch) =>
            new Promise<void>((resolve, reject) => {
              const call = nextCall++;
              handlerCalls.set(call, (error) => (error === undefined ? resolve() : reject(new Error(error))));
              post({ type: 'batch', sub, call, messages: batch.map(toWire) });
            }),
        });
        subscriptions.set(sub, subscription);
      });
      break;
    }
    case 'handled':
      handlerCalls.get(message.call)?.(message.error);
      handlerCalls.delete(message.call);
      break;
    case 'unsubscribe':
      void answer(message.id, async () => {
        await subscriptions.get(message.sub)?.close();
        subscriptions.delete(message.sub);
      });
      break;
    case 'close':
      clearInterval(reporter);
      void answer(message.id, () => bus.close()).then(() => port.close());
      break;
  }
});

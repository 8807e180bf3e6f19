import type { Worker } from 'node:worker_threads';
import { describeError } from '../../retry';
import type {
  BusHealth,
  ConsumeOptions,
  EventBus,
  FollowOptions,
  FollowSubscription,
  IncomingMessage,
  OutgoingMessage,
  Subscription,
} from '../../event-bus.port';
import type { KafkaEventBusOptions } from '../kafka-event-bus';
import type {
  FlatMessages,
  FromKafkaThread,
  KafkaThreadHealth,
  ToKafkaThread,
  WireIncoming,
} from './protocol';
import { startKafkaThread } from './start-kafka-thread';

export interface ThreadedKafkaEventBusOptions extends KafkaEventBusOptions {
  /** How long publish() collects messages before handing them to the Kafka thread in one post. */
  handOffMs?: number;
  /** Wait before a Kafka thread that died is started again. */
  restartDelayMs?: number;
}

type Registration =
  | { kind: 'follow'; options: FollowOptions; caughtUp: boolean; resolveCaughtUp: () => void }
  | { kind: 'consume'; options: ConsumeOptions };

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  /** A flush or close is answered by the thread's exit; anything else failed with it. */
  settledByExit: boolean;
}

/** A request to the thread before its id is assigned (request() numbers it and waits for the answer). */
type ThreadRequest = ToKafkaThread extends infer M
  ? M extends { id: number }
    ? Omit<M, 'id'>
    : never
  : never;

const EMPTY_HEALTH: KafkaThreadHealth = { connected: false, buffered: 0, spilled: 0, attempted: false };

/**
 * The Kafka adapter for a latency-sensitive process (the gateway): the whole KafkaEventBus (batching
 * producer, spill file, followers, consumers) runs on a worker thread, so kafkajs's encoding, decoding and
 * garbage never pause the event loop that serves requests (measured in bench/gateway: ~90 µs of CPU and
 * ~36 KB of allocation per request, and a 2-3 ms stall per produced batch), and kafkajs is not even
 * loaded on this thread. Follower and consumer callbacks still run here, in order.
 *
 * If the thread dies it is started again; followers and consumers are registered again (a follower
 * re-reads its compacted topics, which only re-applies state; a consumer group resumes from its committed
 * offsets). Messages handed to the dead thread and not yet sent are lost, as a crash would lose them.
 */
export class ThreadedKafkaEventBus implements EventBus {
  private worker: Worker | null = null;
  private pending: FlatMessages = [];
  private handOffTimer: NodeJS.Timeout | null = null;
  private threadHealth = EMPTY_HEALTH;
  private readonly waiting = new Map<number, Waiter>();
  private readonly registrations = new Map<number, Registration>();
  private nextId = 1;
  private closing = false;
  private readonly log: (message: string) => void;

  constructor(private readonly options: ThreadedKafkaEventBusOptions) {
    this.log = options.logger ?? ((message) => console.warn(`[kafka] ${message}`));
    this.startThread();
  }

  publish(topic: string, messages: OutgoingMessage[]): void {
    for (const { key, value } of messages) this.pending.push(topic, key, value);
    if (this.handOffTimer === null) {
      this.handOffTimer = setTimeout(() => this.handOff(), this.options.handOffMs ?? 5);
      this.handOffTimer.unref();
    }
  }

  publishAndWait(topic: string, messages: OutgoingMessage[]): Promise<void> {
    return this.request({ type: 'publish-and-wait', topic, messages });
  }

  async follow(options: FollowOptions): Promise<FollowSubscription> {
    let resolveCaughtUp: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
    const registration: Registration = { kind: 'follow', options, caughtUp: false, resolveCaughtUp };
    const sub = await this.register(registration);
    return {
      caughtUp,
      isCaughtUp: () => registration.caughtUp,
      close: () => this.unregister(sub),
    };
  }

  async consume(options: ConsumeOptions): Promise<Subscription> {
    const sub = await this.register({ kind: 'consume', options });
    return { close: () => this.unregister(sub) };
  }

  async flush(): Promise<void> {
    this.handOff();
    await this.request({ type: 'flush' });
  }

  health(): BusHealth {
    const thread = this.threadHealth;
    // Until the producer tried the broker, a follower's or consumer's connection is the evidence.
    const readers = [...this.registrations.values()].some((r) => r.kind === 'consume' || r.caughtUp);
    return {
      connected: thread.attempted ? thread.connected : readers,
      buffered: thread.buffered + this.pending.length / 3,
      spilled: thread.spilled,
    };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.handOff();
    this.closing = true;
    if (this.worker !== null) await this.request({ type: 'close' });
  }

  private startThread(): void {
    const { logger: _logger, handOffMs: _handOff, restartDelayMs: _restart, ...threadOptions } = this.options;
    const worker = startKafkaThread(threadOptions);
    worker.on('message', (message: FromKafkaThread) => this.onThreadMessage(message));
    worker.on('error', (error) => this.log(`kafka thread failed: ${error.name}: ${error.message}`));
    worker.on('exit', () => this.onThreadExit(worker));
    this.worker = worker;
    this.refIfBusy();
    for (const [sub, registration] of this.registrations) {
      this.post({ ...this.registrationMessage(sub, registration), id: this.nextId++ });
    }
    this.handOff();
  }

  private async register(registration: Registration): Promise<number> {
    const sub = this.nextId++;
    this.registrations.set(sub, registration);
    try {
      await this.request(this.registrationMessage(sub, registration));
    } catch (error) {
      this.registrations.delete(sub);
      throw error;
    }
    return sub;
  }

  private async unregister(sub: number): Promise<void> {
    if (!this.registrations.delete(sub) || this.worker === null) return;
    await this.request({ type: 'unsubscribe', sub });
    this.refIfBusy();
  }

  /** The message that (re-)creates a subscription on the thread (its request id is added when sent). */
  private registrationMessage(sub: number, registration: Registration): ThreadRequest {
    if (registration.kind === 'follow') return { type: 'follow', sub, topics: registration.options.topics };
    const {
      handler: _handler,
      topic,
      groupId,
      fromBeginning,
      maxBatchSize,
      partitionsConsumedConcurrently,
    } = registration.options;
    return {
      type: 'consume',
      sub,
      topic,
      groupId,
      fromBeginning,
      maxBatchSize,
      partitionsConsumedConcurrently,
    };
  }

  private handOff(): void {
    if (this.handOffTimer !== null) clearTimeout(this.handOffTimer);
    this.handOffTimer = null;
    if (this.pending.length === 0 || this.worker === null) return;
    const messages = this.pending;
    this.pending = [];
    this.post({ type: 'publish', messages });
  }

  private request(message: ThreadRequest): Promise<void> {
    const id = this.nextId++;
    if (this.worker === null) {
      return message.type === 'flush'
        ? Promise.resolve()
        : Promise.reject(new Error('kafka thread not running'));
    }
    this.worker.ref();
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        this.waiting.delete(id);
        this.refIfBusy();
      };
      this.waiting.set(id, {
        resolve: () => (settle(), resolve()),
        reject: (error) => (settle(), reject(error)),
        settledByExit: message.type === 'flush' || message.type === 'close',
      });
      this.post({ ...message, id } as ToKafkaThread);
    });
  }

  /**
   * A thread that only waits for messages to produce must not keep the process alive (like kafkajs's
   * idle producer); one with followers or consumers, or a request in flight, does (a shutdown's last flush).
   */
  private refIfBusy(): void {
    if (this.waiting.size > 0 || this.registrations.size > 0) this.worker?.ref();
    else this.worker?.unref();
  }

  private post(message: ToKafkaThread): void {
    this.worker?.postMessage(message);
  }

  private onThreadMessage(message: FromKafkaThread): void {
    switch (message.type) {
      case 'health':
        this.threadHealth = message.health;
        break;
      case 'done': {
        this.threadHealth = message.health;
        const waiter = this.waiting.get(message.id);
        if (message.error === undefined) waiter?.resolve();
        else waiter?.reject(new Error(message.error));
        break;
      }
      case 'messages': {
        const registration = this.registrations.get(message.sub);
        if (registration?.kind !== 'follow') return;
        for (const wire of message.messages) registration.options.onMessage(fromWire(wire));
        break;
      }
      case 'caught-up': {
        const registration = this.registrations.get(message.sub);
        if (registration?.kind !== 'follow') return;
        registration.caughtUp = true;
        registration.resolveCaughtUp();
        break;
      }
      case 'batch':
        void this.handleBatch(message.sub, message.call, message.messages);
        break;
      case 'log':
        this.log(message.message);
        break;
    }
  }

  private async handleBatch(sub: number, call: number, messages: WireIncoming[]): Promise<void> {
    const registration = this.registrations.get(sub);
    let error: string | undefined;
    try {
      if (registration?.kind !== 'consume') throw new Error('subscription closed');
      await registration.options.handler(messages.map(fromWire));
    } catch (caught) {
      error = describeError(caught);
    }
    this.post({ type: 'handled', call, error });
  }

  private onThreadExit(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const waiter of [...this.waiting.values()]) {
      if (waiter.settledByExit) waiter.resolve();
      else waiter.reject(new Error('the kafka thread exited'));
    }
    if (this.closing) return;
    const delay = this.options.restartDelayMs ?? 1_000;
    this.log(`kafka thread exited; starting it again in ${delay} ms`);
    setTimeout(() => {
      if (!this.closing) this.startThread();
    }, delay).unref();
  }
}

function fromWire(wire: WireIncoming): IncomingMessage {
  const value =
    wire.value === null ? null : Buffer.from(wire.value.buffer, wire.value.byteOffset, wire.value.byteLength);
  return { topic: wire.topic, partition: wire.partition, offset: wire.offset, key: wire.key, value };
}

import { storedTopic } from '@pgw/contracts';
import type { EventBus, OutgoingMessage, RawOutgoingMessage } from './event-bus.port';

/**
 * Publishes messages read back from an outbox table. Their topic and values were typed when they were
 * enqueued (each enqueue encodes with its topic's codec); the table holds plain text, so this is the one
 * place the relays re-enter the typed bus without a codec.
 */
export function publishStored(bus: EventBus, topic: string, messages: RawOutgoingMessage[]): Promise<void> {
  return bus.publishAndWait(storedTopic(topic), messages as OutgoingMessage[]);
}

import { Inject, Injectable } from '@nestjs/common';
import {
  createEnvelope,
  DECISION_EVENT_TYPE,
  DECISION_SCHEMA_VERSION,
  TOPICS,
  USAGE_EVENT_TYPE,
  USAGE_SCHEMA_VERSION,
  type DecisionPayload,
  type UsagePayload,
} from '@pgw/contracts';
import { EVENT_BUS, type EventBus } from '@pgw/messaging';
import { fastUuidv7 } from './event-id';

/**
 * Decision and usage events, built from typed payloads (metadata only: the payload types have no field
 * that could carry text). publish() only queues: a client request never waits on Kafka.
 */
@Injectable()
export class GatewayEvents {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  decision(projectId: string, payload: Omit<DecisionPayload, 'event_id' | 'created_at'>): void {
    const ms = Date.now();
    const eventId = fastUuidv7(ms);
    const now = new Date(ms).toISOString();
    const full: DecisionPayload = { event_id: eventId, ...payload, created_at: now };
    const envelope = createEnvelope(
      DECISION_EVENT_TYPE,
      DECISION_SCHEMA_VERSION,
      projectId,
      full,
      eventId,
      now,
    );
    this.bus.publish(TOPICS.decisions, [{ key: projectId, value: JSON.stringify(envelope) }]);
  }

  usage(projectId: string, payload: UsagePayload): void {
    const envelope = createEnvelope(USAGE_EVENT_TYPE, USAGE_SCHEMA_VERSION, projectId, payload, fastUuidv7());
    this.bus.publish(TOPICS.usage, [{ key: projectId, value: JSON.stringify(envelope) }]);
  }

  health() {
    return this.bus.health();
  }
}

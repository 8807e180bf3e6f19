import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  decodeEnvelope,
  TOPICS,
  USAGE_EVENT_TYPE,
  USAGE_PAYLOAD_SHAPE,
  USAGE_SCHEMA_VERSION,
  type UsageEvent,
} from '@pgw/contracts';
import { EVENT_BUS, type EventBus, type IncomingMessage, type Subscription } from '@pgw/messaging';
import type { DataSource } from 'typeorm';
import { POLICY_CONNECTION } from '../database/policy-migrations';
import { POLICY_SERVER_OPTIONS, type PolicyServerOptions } from '../policy-server.options';

/** The newest use of each key in a batch of usage events (key id → ISO time). */
export function latestUseByKey(batch: IncomingMessage[]): Map<string, string> {
  const latest = new Map<string, string>();
  for (const message of batch) {
    const decoded = decodeEnvelope<typeof USAGE_EVENT_TYPE, UsageEvent['payload']>(
      message.value,
      USAGE_EVENT_TYPE,
      [USAGE_SCHEMA_VERSION],
      USAGE_PAYLOAD_SHAPE,
    );
    // Invalid events are billing's to dead-letter; here they are simply not a sign of use.
    if (!decoded.ok) continue;
    const { key_id, started_at } = decoded.value.payload;
    const seen = latest.get(key_id);
    if (seen === undefined || Date.parse(started_at) > Date.parse(seen)) latest.set(key_id, started_at);
  }
  return latest;
}

/**
 * Keeps `api_keys.last_used_at` current from the gateway's usage events, so an admin can find keys
 * nobody uses any more. One UPDATE per batch; GREATEST makes redelivery and reordering harmless.
 */
@Injectable()
export class KeyLastUsedTracker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyLastUsedTracker.name);
  private subscription: Subscription | null = null;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @InjectDataSource(POLICY_CONNECTION) private readonly dataSource: DataSource,
    @Inject(POLICY_SERVER_OPTIONS) private readonly options: PolicyServerOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const groupId = this.options.keyUsage?.consumerGroup;
    if (!groupId) return;
    this.subscription = await this.bus.consume({
      topic: TOPICS.usage,
      groupId,
      handler: (batch) => this.record(batch),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  async record(batch: IncomingMessage[]): Promise<void> {
    const latest = latestUseByKey(batch);
    if (latest.size === 0) return;
    await this.dataSource.query(
      `UPDATE policy.api_keys AS k
          SET last_used_at = GREATEST(COALESCE(k.last_used_at, '-infinity'::timestamptz), u.used_at)
         FROM unnest($1::text[], $2::timestamptz[]) AS u(key_id, used_at)
        WHERE k.id = u.key_id`,
      [[...latest.keys()], [...latest.values()]],
    );
    this.logger.debug(`last use recorded for ${latest.size} key(s)`);
  }
}

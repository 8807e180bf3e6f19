import { Controller, Inject, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@pgw/contracts';
import {
  decodeBatch,
  EVENT_BUS,
  EventHandlerErrorFilter,
  type EventBus,
  type IncomingMessage,
} from '@pgw/messaging';
import { BillingMetrics } from '../metrics/billing-metrics';
import { UsageIngestService } from './usage-ingest.service';

/** Usage events from the gateway, in batches: invalid ones go to the dead-letter topic, the rest are billed. */
@Controller()
@UseFilters(EventHandlerErrorFilter)
export class UsageConsumer {
  constructor(
    private readonly ingest: UsageIngestService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly metrics: BillingMetrics,
  ) {}

  @EventPattern(TOPICS.usage)
  async onUsage(@Payload() batch: IncomingMessage[]): Promise<void> {
    const { valid, deadLettered } = decodeBatch(
      this.bus,
      this.ingest.consumerName,
      batch,
      this.ingest.decoder(),
    );
    await this.ingest.record(valid);
    // Counted once the batch is committed (a retried batch is not counted twice).
    this.metrics.consumed.inc([], batch.length);
    this.metrics.deadLettered.inc([], deadLettered);
  }
}

import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@pgw/contracts';
import { EventHandlerErrorFilter, type IncomingMessage } from '@pgw/messaging';
import { DecisionIngestService } from './decision-ingest.service';

/** Decision events from the gateway, in batches (consumer group `<service>.pgw.decisions.v1`). */
@Controller()
@UseFilters(EventHandlerErrorFilter)
export class DecisionsConsumer {
  constructor(private readonly ingest: DecisionIngestService) {}

  @EventPattern(TOPICS.decisions)
  async onDecisions(@Payload() batch: IncomingMessage[]): Promise<void> {
    await this.ingest.ingest(batch);
  }
}

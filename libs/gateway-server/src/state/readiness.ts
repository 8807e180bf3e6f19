import { Inject, Injectable } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@pgw/messaging';
import { StateFollower } from './state-follower.service';

export interface ReadinessStatus {
  ready: boolean;
  state_caught_up: boolean;
  kafka_connected: boolean;
  events_spilled: number;
}

/**
 * Ready once the state topics were read up to where they stood at start (the same moment /v1 stops
 * answering 503 not_ready). Events always have somewhere to go: the bus's local log takes each one
 * before the response completes. After that, Kafka or the policy service going away does not make the
 * gateway unready: it serves from its last-known state and replays the log when Kafka is back.
 */
@Injectable()
export class Readiness {
  constructor(
    private readonly follower: StateFollower,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  status(): ReadinessStatus {
    const health = this.bus.health();
    const caughtUp = this.follower.isCaughtUp();
    return {
      ready: caughtUp,
      state_caught_up: caughtUp,
      kafka_connected: health.connected,
      events_spilled: health.spilled,
    };
  }
}

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
 * Ready once the state topics were read up to where they stood at start, and events can go somewhere:
 * Kafka answers, or they are being spilled to the local file. After that, Kafka or the policy service
 * going away does not make the gateway unready: it serves from its last-known state.
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
      ready: caughtUp && (health.connected || health.spilled > 0),
      state_caught_up: caughtUp,
      kafka_connected: health.connected,
      events_spilled: health.spilled,
    };
  }
}

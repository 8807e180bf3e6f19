import type { ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/key-authenticator';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { Settlement } from '../settlement/settlement';
import { UpstreamClient } from '../upstream/upstream-client';
import { Exchange, type ExchangeServices } from './exchange';
import type { ResponseStages } from './response-stages';

/** Opens an Exchange per request with the services every endpoint shares. */
@Injectable()
export class Exchanges implements ExchangeServices {
  constructor(
    readonly upstream: UpstreamClient,
    readonly settlement: Settlement,
    readonly metrics: GatewayMetrics,
  ) {}

  open(stages: ResponseStages, res: ServerResponse, caller: Caller, requestId: string): Exchange {
    return new Exchange(this, stages, res, caller, requestId);
  }
}

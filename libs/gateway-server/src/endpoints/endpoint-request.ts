import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import { REQUEST_ID_PATTERN } from '@pgw/contracts';
import type { Caller } from '../auth/key-authenticator';
import { GatewayError } from '../errors/gateway-error';
import type { Exchange } from '../exchange/exchange';
import { BudgetGuard } from '../limits/budget-guard';
import { RequestLimits } from '../limits/request-limits';
import { LoadShedder } from '../load-shedding/load-shedder';
import { evaluateInput, type CompiledPolicy, type TextSegment } from '../policy/policy-port';
import { GatewayStateStore, POLICY_UNAVAILABLE } from '../state/gateway-state.store';
import type { Endpoint } from '../settlement/request-record';
import { isKnownModel, routeForCaller } from '../upstream/model-access';
import { UpstreamClient, type ResolvedRoute } from '../upstream/upstream-client';

/**
 * What an endpoint (Embeddings, Responses) hands the shared request stage once its body is parsed: the
 * texts to judge, its token figures, how to write redacted texts back and what to send upstream.
 */
export interface EndpointRequest {
  endpoint: Endpoint;
  model: string;
  stream: boolean;
  user: string | null;
  /** Every text-bearing field of the request with its role, in the order `writeBack` replaces them. */
  texts: TextSegment[];
  /** Media parts the engine cannot read (images, audio, files that are not text): the policy's `media` decides. */
  mediaParts?: number;
  /** The input token estimate (usage when the provider gives none; rate limits). */
  inputTokens: number;
  /** The most tokens the request can be billed (the budget reservation). */
  boundTokens: number;
  /** Replaces the request's texts with the redacted ones (same order as `texts`). */
  writeBack(texts: string[]): void;
  /** `user` as forwarded after writeBack (policy_user is what the provider gets). */
  userAfterWriteBack?(): string | null;
  /** Checks the endpoint needs once the project's policy is known (e.g. input the policy cannot read). */
  checkPolicy?(policy: CompiledPolicy | null): void;
  /** The body sent upstream (the judged body, serialised again). */
  payload(route: ResolvedRoute): string;
  /** The upstream path after the base URL's path, e.g. '/embeddings'. */
  path: string;
  /** Called after the input policy, just before the upstream call. */
  onForward?(route: ResolvedRoute): void;
}

/**
 * Request ids are stored and exported: a client's is kept only when it is a plain token (the contract's
 * pattern, which the audit and billing columns check too), else the gateway makes its own.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/**
 * The request stage every endpoint besides chat completions shares, in the same order as chat's:
 * model → load shedding → policy loaded → budget → rate limits → input policy → upstream. Chat completions
 * keep their own copy (ChatCompletionsHandler) on the measured hot path; this one is callback-based too.
 */
@Injectable()
export class EndpointRequestStage {
  constructor(
    private readonly limits: RequestLimits,
    private readonly budget: BudgetGuard,
    private readonly state: GatewayStateStore,
    private readonly upstream: UpstreamClient,
    private readonly shedder: LoadShedder,
  ) {}

  /** Runs the stage; any failure ends the exchange with an OpenAI-shaped error. */
  run(x: Exchange, caller: Caller, request: EndpointRequest): void {
    const record = x.record;
    try {
      record.endpoint = request.endpoint;
      record.model = request.model;
      record.stream = request.stream;
      record.user = request.user;
      x.bucketKey = request.user ?? caller.key.key_id;
      const route = routeForCaller(this.upstream, caller, request.model);
      record.modelKnown = isKnownModel(this.upstream, caller, request.model);
      record.load = this.shedder.admit(route.pool, caller.project.plan, request.model);
      const policy = this.state.policyFor(caller.project.project_id);
      if (policy === POLICY_UNAVAILABLE) {
        throw new GatewayError(
          'policy_unavailable',
          "The project's policy could not be loaded; try again shortly.",
        );
      }
      record.policy = policy;
      request.checkPolicy?.(policy);
      x.inputTokens = request.inputTokens;
      const reservation = this.budget.reserve(caller.project, request.boundTokens);
      if (reservation instanceof Promise) {
        reservation.then(
          (reserved) => {
            record.budget = reserved;
            this.admit(x, request, route);
          },
          (error: unknown) => x.fail(error),
        );
      } else {
        record.budget = reservation;
        this.admit(x, request, route);
      }
    } catch (error) {
      x.fail(error);
    }
  }

  private admit(x: Exchange, request: EndpointRequest, route: ResolvedRoute): void {
    try {
      const record = x.record;
      const admission = this.limits.admit(record.caller, x.inputTokens);
      if (admission instanceof Promise) {
        admission.then(
          (admitted) => {
            record.admission = admitted;
            this.forward(x, request, route);
          },
          (error: unknown) => x.fail(error),
        );
      } else {
        record.admission = admission;
        this.forward(x, request, route);
      }
    } catch (error) {
      x.fail(error);
    }
  }

  /** Input policy over every text and the media it cannot read, then the upstream call (never when blocked). */
  private forward(x: Exchange, request: EndpointRequest, route: ResolvedRoute): void {
    try {
      const record = x.record;
      const policy = record.policy;
      const input = evaluateInput(policy, request.texts, request.mediaParts ?? 0, x.bucketKey);
      record.inputOutcome = input.outcome;
      record.inputDecidedMs = Date.now();
      const enforced = input.outcome.enforced;
      if (enforced && input.outcome.decision === 'block') {
        throw new GatewayError(
          'policy_block',
          `The request was blocked by the project's policy (${input.outcome.reasonCode}).`,
          null,
          { code: input.outcome.reasonCode },
        );
      }
      if (enforced && input.outcome.decision === 'redact') {
        request.writeBack(input.texts);
        if (request.userAfterWriteBack) record.user = request.userAfterWriteBack();
      }
      const payload = request.payload(route);
      request.onForward?.(route);
      x.send(route, payload, { method: 'POST', path: `${route.basePath}${request.path}` });
    } catch (error) {
      x.fail(error);
    }
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/key-authenticator';
import { GatewayError } from '../errors/gateway-error';
import type { Exchange } from '../exchange/exchange';
import { Exchanges } from '../exchange/exchanges';
import { parseJsonBody } from '../http/raw-response';
import { BudgetGuard } from '../limits/budget-guard';
import { boundChatRequestTokens } from '../limits/cost-estimate';
import { RequestLimits } from '../limits/request-limits';
import { LoadShedder } from '../load-shedding/load-shedder';
import { evaluateInput, type TextSegment } from '../policy/policy-port';
import { GatewayStateStore, POLICY_UNAVAILABLE } from '../state/gateway-state.store';
import { requestIdOf } from '../endpoints/endpoint-request';
import { isKnownModel, routeForCaller } from '../upstream/model-access';
import { UpstreamClient, type ResolvedRoute } from '../upstream/upstream-client';
import { visitRequestTexts } from '../fields/chat-request-fields';
import { estimateTokens, parseChatRequest, type ChatRequest } from './chat-request';
import { CHAT_RESPONSE_STAGES } from './chat-response';

/**
 * POST /v1/chat/completions after authentication, the request stage: validate → model → load shedding →
 * budget → limits → input policy → upstream. The Exchange then owns the response stages (output policy,
 * respond) and Settlement the accounting (usage and decision events, budget and limit settlement).
 * Served on plain node:http objects (see GatewayHttp) with callbacks rather than promise chains.
 */
@Injectable()
export class ChatCompletionsHandler {
  constructor(
    private readonly limits: RequestLimits,
    private readonly budget: BudgetGuard,
    private readonly state: GatewayStateStore,
    private readonly upstream: UpstreamClient,
    private readonly shedder: LoadShedder,
    private readonly exchanges: Exchanges,
  ) {}

  handle(request: IncomingMessage, res: ServerResponse, caller: Caller, raw: Buffer): void {
    const x = this.exchanges.open(CHAT_RESPONSE_STAGES, res, caller, requestIdOf(request));
    const record = x.record;
    try {
      const chat = parseChatRequest(parseJsonBody(raw.toString()));
      record.model = chat.model;
      record.stream = chat.stream;
      record.user = chat.user;
      x.includeUsage = chat.includeUsage;
      // Never a per-request value: a client could otherwise retry until it lands outside a canary.
      x.bucketKey = chat.user ?? caller.key.key_id;
      const route = routeForCaller(this.upstream, caller, chat.model);
      record.modelKnown = isKnownModel(this.upstream, caller, chat.model);
      // Before limits, budget and policy: a request shed for load (429 overloaded) costs the caller nothing.
      record.load = this.shedder.admit(route.pool, caller.project.plan, chat.model);
      const policy = this.state.policyFor(caller.project.project_id);
      if (policy === POLICY_UNAVAILABLE) {
        throw new GatewayError(
          'policy_unavailable',
          "The project's policy could not be loaded; try again shortly.",
        );
      }
      record.policy = policy;
      const inputTexts: TextSegment[] = [];
      let mediaParts = 0;
      const chars = visitRequestTexts(
        chat.body,
        (text, role) => (inputTexts.push({ text, role }), text),
        () => mediaParts++,
      );
      x.inputTokens = estimateTokens(chars, chat.messages.length);

      const bound = boundChatRequestTokens(chat.body, raw.length, route.upstreamModel);
      const reservation = this.budget.reserve(caller.project, bound.totalTokens);
      if (reservation instanceof Promise) {
        reservation.then(
          (reserved) => {
            record.budget = reserved;
            this.admit(x, chat, route, inputTexts, mediaParts);
          },
          (error: unknown) => x.fail(error),
        );
      } else {
        record.budget = reservation;
        this.admit(x, chat, route, inputTexts, mediaParts);
      }
    } catch (error) {
      x.fail(error);
    }
  }

  /** Rate limits (once the budget holds the request's bound), then forward. */
  private admit(
    x: Exchange,
    chat: ChatRequest,
    route: ResolvedRoute,
    inputTexts: TextSegment[],
    mediaParts: number,
  ): void {
    try {
      const record = x.record;
      const admission = this.limits.admit(record.caller, x.inputTokens);
      if (admission instanceof Promise) {
        admission.then(
          (admitted) => {
            record.admission = admitted;
            this.forward(x, chat, route, inputTexts, mediaParts);
          },
          (error: unknown) => x.fail(error),
        );
      } else {
        record.admission = admission;
        this.forward(x, chat, route, inputTexts, mediaParts);
      }
    } catch (error) {
      x.fail(error);
    }
  }

  /** Input policy (texts, then media it cannot read), then the upstream call (never when blocked). */
  private forward(
    x: Exchange,
    chat: ChatRequest,
    route: ResolvedRoute,
    inputTexts: TextSegment[],
    mediaParts: number,
  ): void {
    try {
      const record = x.record;
      const policy = record.policy;
      const input = evaluateInput(policy, inputTexts, mediaParts, x.bucketKey);
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
        let i = 0;
        visitRequestTexts(chat.body, () => input.texts[i++]);
        // policy_user is what the provider gets: a user id the policy redacts is not kept either.
        const user = chat.body.user;
        record.user = typeof user === 'string' && user.length > 0 ? user : null;
      }
      x.send(route, upstreamPayload(chat, route));
    } catch (error) {
      x.fail(error);
    }
  }
}

/**
 * The body sent upstream: always the parsed body the policy judged, serialised again, never the client's
 * bytes. A body with duplicate keys (JSON.parse keeps the last) or anything else a provider's parser might
 * read differently reaches the provider as exactly what was evaluated.
 */
function upstreamPayload(chat: ChatRequest, route: ResolvedRoute): string {
  const body = chat.body;
  body.model = route.upstreamModel;
  if (chat.stream)
    body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
  return JSON.stringify(body);
}

import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { Injectable } from '@nestjs/common';
import type { PolicyTarget, UsageStatus } from '@pgw/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../auth/key-authenticator';
import { GatewayEvents } from '../events/gateway-events';
import { GatewayError } from '../http/gateway-error';
import { BudgetGuard, DEFAULT_OUTPUT_RESERVATION_TOKENS } from '../limits/budget-guard';
import { RequestLimits, type Admission } from '../limits/request-limits';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { ALLOW, type CompiledPolicy, type PolicyOutcome } from '../policy/policy-port';
import { GatewayStateStore, POLICY_UNAVAILABLE } from '../state/gateway-state.store';
import {
  UpstreamClient,
  upstreamFailure,
  upstreamStatusError,
  type ResolvedRoute,
} from '../upstream/upstream-client';
import { estimateTokens, forEachPromptText, parseChatRequest } from './chat-request';
import { applyOutputPolicy } from './completion-output';
import { StreamOutputFilter, type UpstreamUsage } from './stream-output-filter';

/** Per-request bookkeeping, settled exactly once in finish(). */
interface Exchange {
  requestId: string;
  caller: Caller;
  t0: number;
  startedAt: string;
  model: string;
  stream: boolean;
  user: string | null;
  inputTokens: number;
  reservedMicros: number;
  reserved: boolean;
  admission: Admission | null;
  upstreamMs: number;
  cancelled: boolean;
  settled: boolean;
}

interface Usage {
  input: number;
  output: number;
  estimated: boolean;
}

const NO_USAGE: Usage = { input: 0, output: 0, estimated: false };

class ClientGone extends Error {}

/**
 * POST /v1/chat/completions after authentication: validate → model → budget → limits → input policy →
 * upstream → output policy → respond → account (usage + decision events, budget and limit settlement).
 */
@Injectable()
export class ChatCompletionsHandler {
  constructor(
    private readonly limits: RequestLimits,
    private readonly budget: BudgetGuard,
    private readonly state: GatewayStateStore,
    private readonly upstream: UpstreamClient,
    private readonly events: GatewayEvents,
    private readonly metrics: GatewayMetrics,
  ) {}

  async handle(request: FastifyRequest, reply: FastifyReply, caller: Caller): Promise<void> {
    const x: Exchange = {
      requestId: requestIdOf(request),
      caller,
      t0: performance.now(),
      startedAt: new Date().toISOString(),
      model: '',
      stream: false,
      user: null,
      inputTokens: 0,
      reservedMicros: 0,
      reserved: false,
      admission: null,
      upstreamMs: 0,
      cancelled: false,
      settled: false,
    };
    try {
      const chat = parseChatRequest(request.body);
      x.model = chat.model;
      x.stream = chat.stream;
      x.user = chat.user;
      const route = this.routeFor(caller, chat.model);
      const policy = this.state.policyFor(caller.project.project_id);
      if (policy === POLICY_UNAVAILABLE) {
        throw new GatewayError(
          'policy_unavailable',
          "The project's policy could not be loaded; try again shortly.",
        );
      }
      const inputTexts: string[] = [];
      const chars = forEachPromptText(chat.messages, (text) => (inputTexts.push(text), text));
      x.inputTokens = estimateTokens(chars, chat.messages.length);

      x.reservedMicros = this.budget.reserve(
        caller.project,
        x.inputTokens + (chat.maxTokens ?? DEFAULT_OUTPUT_RESERVATION_TOKENS),
      );
      x.reserved = true;
      x.admission = await this.limits.admit(caller, x.inputTokens);

      const bucketKey = chat.user ?? x.requestId;
      const input = policy
        ? policy.evaluate(inputTexts, 'input', bucketKey)
        : { outcome: ALLOW, texts: inputTexts };
      this.decision(x, 'input', input.outcome, policy);
      const enforced = input.outcome.enforced;
      if (enforced && input.outcome.decision === 'block') {
        throw new GatewayError(
          'policy_block',
          `The request was blocked by the project's policy (${input.outcome.reasonCode}).`,
          null,
          {
            code: input.outcome.reasonCode,
          },
        );
      }
      if (enforced && input.outcome.decision === 'redact') {
        let i = 0;
        forEachPromptText(chat.messages, () => input.texts[i++]);
      }

      const body = chat.body;
      body.model = route.upstreamModel;
      if (chat.stream)
        body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
      const payload = JSON.stringify(body);

      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) {
          x.cancelled = true;
          abort.abort();
        }
      });
      if (chat.stream)
        await this.streamed(x, reply, route, payload, abort, policy, bucketKey, chat.includeUsage);
      else await this.unary(x, reply, route, payload, abort.signal, policy, bucketKey);
    } catch (error) {
      this.fail(x, reply, error);
    }
  }

  private routeFor(caller: Caller, model: string): ResolvedRoute {
    const projectModels = caller.project.allowed_models;
    const route = this.upstream.route(model);
    // An empty project list allows every model the gateway routes.
    if (!route || (projectModels.length > 0 && !projectModels.includes(model))) {
      throw new GatewayError(
        'model_not_found',
        `The model '${model}' does not exist or you do not have access to it.`,
        'model',
      );
    }
    const keyModels = caller.key.allowed_models;
    if (keyModels && !keyModels.includes(model)) {
      throw new GatewayError(
        'model_not_allowed',
        `This API key is not allowed to use the model '${model}'.`,
        'model',
      );
    }
    return route;
  }

  private async unary(
    x: Exchange,
    reply: FastifyReply,
    route: ResolvedRoute,
    payload: string,
    signal: AbortSignal,
    policy: CompiledPolicy | null,
    bucketKey: string,
  ): Promise<void> {
    const sent = performance.now();
    let status: number;
    let text: string;
    let headers;
    try {
      const response = await this.upstream.send(route, payload, signal);
      this.metrics.upstreamTtfb.observe((performance.now() - sent) / 1000);
      status = response.statusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (error) {
      throw x.cancelled ? new ClientGone() : upstreamFailure(error);
    } finally {
      x.upstreamMs = performance.now() - sent;
      this.metrics.upstreamLatency.observe(x.upstreamMs / 1000);
    }
    if (status >= 400) throw upstreamStatusError(status, text, headers);
    let completion: { usage?: Partial<UpstreamUsage> | null };
    try {
      completion = JSON.parse(text) as typeof completion;
    } catch {
      throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
    }
    let outcome: PolicyOutcome = ALLOW;
    let outputChars = 0;
    if (policy) ({ outcome, outputChars } = applyOutputPolicy(completion as never, policy, bucketKey));
    else outputChars = countOutputChars(completion);
    this.decision(x, 'output', outcome, policy);
    const rewritten = outcome.enforced && (outcome.decision === 'redact' || outcome.decision === 'block');
    const responseText = rewritten ? JSON.stringify(completion) : text;
    reply.code(200).headers(this.responseHeaders(x)).type('application/json').send(responseText);
    this.finish(x, 200, 'ok', null, usageOf(completion.usage, x.inputTokens, outputChars));
  }

  private async streamed(
    x: Exchange,
    reply: FastifyReply,
    route: ResolvedRoute,
    payload: string,
    abort: AbortController,
    policy: CompiledPolicy | null,
    bucketKey: string,
    includeUsage: boolean,
  ): Promise<void> {
    const sent = performance.now();
    let response;
    try {
      response = await this.upstream.send(route, payload, abort.signal);
    } catch (error) {
      x.upstreamMs = performance.now() - sent;
      throw x.cancelled ? new ClientGone() : upstreamFailure(error);
    }
    this.metrics.upstreamTtfb.observe((performance.now() - sent) / 1000);
    if (response.statusCode !== 200) {
      let text = '';
      try {
        text = await response.body.text();
      } catch {
        // the status alone decides
      }
      x.upstreamMs = performance.now() - sent;
      throw upstreamStatusError(
        response.statusCode >= 400 ? response.statusCode : 502,
        text,
        response.headers,
      );
    }

    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...this.responseHeaders(x),
    });
    const filter = new StreamOutputFilter(policy, bucketKey, includeUsage, (sse) => raw.write(sse));
    const decoder = new StringDecoder('utf8');
    let usageStatus: UsageStatus = 'ok';
    let errorCode: string | null = null;
    try {
      for await (const chunk of response.body) {
        if (!filter.write(decoder.write(chunk as Buffer))) break;
        if (raw.writableNeedDrain) await once(raw, 'drain', { signal: abort.signal });
      }
      if (!filter.done && !filter.blocked) {
        filter.write(decoder.end());
        filter.end();
      }
    } catch (error) {
      if (x.cancelled) {
        usageStatus = 'cancelled';
      } else {
        const failure = upstreamFailure(error);
        usageStatus = 'error';
        errorCode = failure.code;
        this.metrics.upstreamErrors.inc([failure.code]);
        raw.write(StreamOutputFilter.errorEvent('The upstream provider failed mid-stream.', failure.code));
      }
    } finally {
      if (!response.body.destroyed) response.body.destroy();
      x.upstreamMs = performance.now() - sent;
      this.metrics.upstreamLatency.observe(x.upstreamMs / 1000);
      if (!raw.writableEnded) raw.end();
    }
    this.decision(x, 'output', filter.outcome(), policy);
    this.finish(
      x,
      x.cancelled ? 499 : 200,
      x.cancelled ? 'cancelled' : usageStatus,
      errorCode,
      usageOf(filter.usage, x.inputTokens, filter.outputChars),
    );
  }

  private fail(x: Exchange, reply: FastifyReply, error: unknown): void {
    if (error instanceof ClientGone || (x.cancelled && !(error instanceof GatewayError))) {
      this.finish(x, 499, 'cancelled', null, NO_USAGE);
      return;
    }
    const failure =
      error instanceof GatewayError
        ? error
        : new GatewayError('internal_error', `Internal error (request ${x.requestId}).`);
    if (!(error instanceof GatewayError)) {
      console.error(
        `[gateway] request ${x.requestId} failed: ${error instanceof Error ? error.stack : String(error)}`,
      );
    }
    if (failure.kind === 'upstream_error' || failure.kind === 'upstream_timeout')
      this.metrics.upstreamErrors.inc([failure.code]);
    const headers = this.responseHeaders(x);
    if (failure.headers) Object.assign(headers, failure.headers);
    if (!reply.sent && !reply.raw.headersSent) {
      reply
        .code(failure.status)
        .headers(headers)
        .type('application/json')
        .send(JSON.stringify(failure.body()));
    }
    const status: UsageStatus =
      failure.kind === 'policy_block'
        ? 'blocked'
        : failure.kind === 'upstream_error' ||
            failure.kind === 'upstream_timeout' ||
            failure.kind === 'internal_error'
          ? 'error'
          : 'rejected';
    this.finish(x, failure.status, status, failure.code, NO_USAGE);
  }

  private responseHeaders(x: Exchange): Record<string, string> {
    const headers: Record<string, string> = { 'x-request-id': x.requestId };
    if (x.admission) Object.assign(headers, x.admission.headers);
    return headers;
  }

  private decision(
    x: Exchange,
    target: PolicyTarget,
    outcome: PolicyOutcome,
    policy: CompiledPolicy | null,
  ): void {
    const project = x.caller.project;
    this.events.decision(project.project_id, {
      request_id: x.requestId,
      decision: outcome.decision,
      reason_code: policy ? outcome.reasonCode.slice(0, 64) : 'no_policy',
      triggered_categories: outcome.categories,
      rollout_mode: policy ? policy.rolloutMode : project.default_rollout_mode,
      enforced: outcome.enforced,
      policy_id: policy ? policy.policyId : null,
      policy_user: x.user ? x.user.slice(0, 256) : null,
      policy_project_id: project.project_id,
      policy_target: target,
      allowlist_hits: outcome.allowlistHits,
      denylist_hits: outcome.denylistHits,
      model: x.model.slice(0, 128),
    });
    const categories = outcome.categories.length ? outcome.categories : ['none'];
    for (const category of categories) {
      this.metrics.decisions.inc([target, category, outcome.decision, outcome.enforced ? 'true' : 'false']);
    }
  }

  private finish(
    x: Exchange,
    httpStatus: number,
    status: UsageStatus,
    errorCode: string | null,
    usage: Usage,
  ): void {
    if (x.settled) return;
    x.settled = true;
    const { key, project } = x.caller;
    const total = usage.input + usage.output;
    if (x.reserved) this.budget.settle(project.project_id, x.reservedMicros, total);
    if (x.admission) this.limits.settle(x.admission, total);
    this.events.usage(project.project_id, {
      request_id: x.requestId,
      key_id: key.key_id,
      model: x.model.slice(0, 128),
      input_tokens: usage.input,
      output_tokens: usage.output,
      total_tokens: total,
      usage_estimated: usage.estimated,
      streamed: x.stream,
      status,
      http_status: httpStatus,
      error_code: errorCode ? errorCode.slice(0, 64) : null,
      started_at: x.startedAt,
      finished_at: new Date().toISOString(),
    });
    const elapsed = performance.now() - x.t0;
    this.metrics.addedLatency.observe(Math.max(0, elapsed - x.upstreamMs) / 1000);
    this.metrics.requests.inc([String(httpStatus), x.model.slice(0, 128), project.project_id]);
    if (total > 0) {
      this.metrics.tokens.inc(['input', project.project_id], usage.input);
      this.metrics.tokens.inc(['output', project.project_id], usage.output);
    }
  }
}

function requestIdOf(request: FastifyRequest): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && given.length > 0 && given.length <= 128 ? given : randomUUID();
}

function usageOf(
  usage: Partial<UpstreamUsage> | null | undefined,
  inputEstimate: number,
  outputChars: number,
): Usage {
  if (usage && Number.isSafeInteger(usage.prompt_tokens) && Number.isSafeInteger(usage.completion_tokens)) {
    return {
      input: usage.prompt_tokens as number,
      output: usage.completion_tokens as number,
      estimated: false,
    };
  }
  return { input: inputEstimate, output: Math.ceil(outputChars / 4), estimated: true };
}

function countOutputChars(completion: unknown): number {
  let chars = 0;
  for (const choice of (completion as { choices?: { message?: { content?: unknown } }[] }).choices ?? []) {
    if (typeof choice.message?.content === 'string') chars += choice.message.content.length;
  }
  return chars;
}

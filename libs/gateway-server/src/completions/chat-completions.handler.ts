import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { Injectable } from '@nestjs/common';
import type { PolicyTarget, UsageStatus } from '@pgw/contracts';
import type { Dispatcher } from 'undici';
import type { Caller } from '../auth/key-authenticator';
import { GatewayEvents } from '../events/gateway-events';
import { GatewayError } from '../http/gateway-error';
import { parseJsonBody, writeError, writeJson } from '../http/raw-response';
import { BudgetGuard, DEFAULT_OUTPUT_RESERVATION_TOKENS } from '../limits/budget-guard';
import { RequestLimits, type Admission } from '../limits/request-limits';
import { LoadShedder } from '../load-shedding/load-shedder';
import type { UpstreamLoad } from '../load-shedding/priority-admission';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { ALLOW, type CompiledPolicy, type PolicyOutcome } from '../policy/policy-port';
import { GatewayStateStore, POLICY_UNAVAILABLE } from '../state/gateway-state.store';
import {
  UpstreamClient,
  MAX_DURATION_CODE,
  upstreamFailure,
  upstreamStatusError,
  type ResolvedRoute,
} from '../upstream/upstream-client';
import { estimateTokens, forEachPromptText, parseChatRequest, type ChatRequest } from './chat-request';
import { applyOutputPolicy } from './completion-output';
import { StreamOutputFilter, type UpstreamUsage } from './stream-output-filter';

interface Usage {
  input: number;
  output: number;
  estimated: boolean;
}

const NO_USAGE: Usage = { input: 0, output: 0, estimated: false };

/** Abort reasons, created only when a request is actually aborted (no AbortController per request). */
class ClientGone extends Error {}
class StreamStopped extends Error {}
/** The call reached the gateway's overall bound (upstream.maxDurationMs): mapped to upstream_timeout. */
class MaxDurationReached extends Error {
  readonly code = MAX_DURATION_CODE;
}

function abortAtMaxDuration(x: Exchange): void {
  x.deadline = null;
  x.controller?.abort(new MaxDurationReached());
}

const SSE_HEADERS = [
  'content-type',
  'text/event-stream; charset=utf-8',
  'cache-control',
  'no-cache',
  'connection',
  'keep-alive',
];
/** Upstream error bodies are read only to pass a 4xx reason on; more than this is not needed. */
const MAX_ERROR_BODY = 64 * 1024;
/** `,"stream_options":{"include_usage":true}` spliced into a passed-through streamed body. */
const INCLUDE_USAGE = Buffer.from(',"stream_options":{"include_usage":true}');

const kExchange = Symbol('pgwExchange');

/**
 * One request's state, settled exactly once in finish(). It is also the undici dispatch handler for the
 * upstream call, so the upstream response arrives as plain callbacks on this object.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly t0 = performance.now();
  readonly startedMs = Date.now();
  requestId: string;
  model = '';
  stream = false;
  includeUsage = false;
  user: string | null = null;
  bucketKey = '';
  policy: CompiledPolicy | null = null;
  inputTokens = 0;
  reservedMicros = 0;
  reserved = false;
  admission: Admission | null = null;
  /** The upstream slot taken by load shedding's admission, freed in finish(). */
  load: UpstreamLoad | null = null;
  inputOutcome: PolicyOutcome | null = null;
  inputDecidedMs = 0;
  outputOutcome: PolicyOutcome | null = null;
  sentAt = 0;
  upstreamMs = 0;
  cancelled = false;
  /** The stream was ended on purpose (a block): the upstream abort that follows is not a failure. */
  stopped = false;
  settled = false;
  controller: Dispatcher.DispatchController | null = null;
  /** Aborts the upstream call at the overall bound; cleared when the response ends or fails. */
  deadline: NodeJS.Timeout | null = null;
  status = 0;
  upstreamHeaders: Record<string, string | string[] | undefined> = {};
  chunks: Buffer[] = [];
  bodyBytes = 0;
  filter: StreamOutputFilter | null = null;
  decoder: StringDecoder | null = null;
  /** SSE text released while processing one upstream chunk, written with one res.write(). */
  pending = '';
  wroteBody = false;

  constructor(
    readonly owner: ChatCompletionsHandler,
    readonly res: ServerResponse,
    readonly caller: Caller,
    request: IncomingMessage,
  ) {
    const given = request.headers['x-request-id'];
    this.requestId =
      typeof given === 'string' && given.length > 0 && given.length <= 128 ? given : randomUUID();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(new ClientGone());
    else if (!this.deadline)
      this.deadline = setTimeout(abortAtMaxDuration, this.owner.maxDurationMs, this).unref();
  }

  clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.owner.upstreamStarted(this, statusCode, headers);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.filter) {
      this.owner.streamData(this, chunk);
    } else if (this.status < 300 || this.bodyBytes < MAX_ERROR_BODY) {
      this.chunks.push(chunk);
      this.bodyBytes += chunk.length;
    }
  }

  onResponseEnd(): void {
    this.clearDeadline();
    this.owner.upstreamEnded(this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.clearDeadline();
    this.owner.upstreamFailed(this, error);
  }

  /** The StreamOutputFilter's sink: the first release goes out at once (time to first byte), the rest per chunk. */
  emitSse(sse: string): void {
    if (this.wroteBody) {
      this.pending += sse;
    } else {
      this.wroteBody = true;
      this.res.write(sse);
    }
  }

  responseHeaders(): string[] {
    const headers = ['x-request-id', this.requestId];
    const limits = this.admission?.headers;
    if (limits) for (const name in limits) headers.push(name, limits[name]);
    return headers;
  }

  body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }
}

/** The response closed: before it finished means the client went away, which aborts the upstream call. */
function onResponseClose(this: ServerResponse & { [kExchange]?: Exchange }): void {
  const x = this[kExchange];
  if (!x || this.writableFinished || x.settled) return;
  x.cancelled = true;
  x.controller?.abort(new ClientGone());
}

/**
 * POST /v1/chat/completions after authentication: validate → model → budget → limits → input policy →
 * upstream → output policy → respond → account (usage + decision events, budget and limit settlement).
 * Served on plain node:http objects (see GatewayHttp) with callbacks rather than promise chains; the
 * events are built after the response is written, off the latency path.
 */
@Injectable()
export class ChatCompletionsHandler {
  /** @internal Read by each Exchange when its upstream call starts. */
  readonly maxDurationMs: number;

  constructor(
    private readonly limits: RequestLimits,
    private readonly budget: BudgetGuard,
    private readonly state: GatewayStateStore,
    private readonly upstream: UpstreamClient,
    private readonly events: GatewayEvents,
    private readonly metrics: GatewayMetrics,
    private readonly shedder: LoadShedder,
  ) {
    this.maxDurationMs = upstream.maxDurationMs;
  }

  handle(request: IncomingMessage, res: ServerResponse, caller: Caller, raw: Buffer): void {
    const x = new Exchange(this, res, caller, request);
    (res as ServerResponse & { [kExchange]?: Exchange })[kExchange] = x;
    res.on('close', onResponseClose);
    try {
      const chat = parseChatRequest(parseJsonBody(raw.toString()));
      x.model = chat.model;
      x.stream = chat.stream;
      x.includeUsage = chat.includeUsage;
      x.user = chat.user;
      x.bucketKey = chat.user ?? x.requestId;
      const route = this.routeFor(caller, chat.model);
      // Before limits, budget and policy: a request shed for load (429 overloaded) costs the caller nothing.
      x.load = this.shedder.admit(route.pool, caller.project.plan, chat.model);
      const policy = this.state.policyFor(caller.project.project_id);
      if (policy === POLICY_UNAVAILABLE) {
        throw new GatewayError(
          'policy_unavailable',
          "The project's policy could not be loaded; try again shortly.",
        );
      }
      x.policy = policy;
      const inputTexts: string[] = [];
      const chars = forEachPromptText(chat.messages, (text) => (inputTexts.push(text), text));
      x.inputTokens = estimateTokens(chars, chat.messages.length);

      x.reservedMicros = this.budget.reserve(
        caller.project,
        x.inputTokens + (chat.maxTokens ?? DEFAULT_OUTPUT_RESERVATION_TOKENS),
      );
      x.reserved = true;
      const admission = this.limits.admit(caller, x.inputTokens);
      if (admission instanceof Promise) {
        admission.then(
          (admitted) => {
            x.admission = admitted;
            this.forward(x, chat, route, inputTexts, raw);
          },
          (error: unknown) => this.fail(x, error),
        );
      } else {
        x.admission = admission;
        this.forward(x, chat, route, inputTexts, raw);
      }
    } catch (error) {
      this.fail(x, error);
    }
  }

  /** Input policy, then the upstream call (never when the input is blocked or the client is gone). */
  private forward(
    x: Exchange,
    chat: ChatRequest,
    route: ResolvedRoute,
    inputTexts: string[],
    raw: Buffer,
  ): void {
    try {
      const policy = x.policy;
      const input = policy
        ? policy.evaluate(inputTexts, 'input', x.bucketKey)
        : { outcome: ALLOW, texts: inputTexts };
      x.inputOutcome = input.outcome;
      x.inputDecidedMs = Date.now();
      const enforced = input.outcome.enforced;
      if (enforced && input.outcome.decision === 'block') {
        throw new GatewayError(
          'policy_block',
          `The request was blocked by the project's policy (${input.outcome.reasonCode}).`,
          null,
          { code: input.outcome.reasonCode },
        );
      }
      const redacted = enforced && input.outcome.decision === 'redact';
      if (redacted) {
        let i = 0;
        forEachPromptText(chat.messages, () => input.texts[i++]);
      }
      if (x.cancelled) {
        this.finish(x, 499, 'cancelled', null, NO_USAGE);
        return;
      }
      const payload = upstreamPayload(chat, route, raw, redacted);
      x.sentAt = performance.now();
      this.upstream.dispatch(route, payload, x);
    } catch (error) {
      this.fail(x, error);
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

  /** @internal Upstream status and headers arrived. A 200 stream starts here: headers go out with the first event. */
  upstreamStarted(x: Exchange, status: number, headers: Record<string, string | string[] | undefined>): void {
    this.metrics.upstreamTtfb.observe((performance.now() - x.sentAt) / 1000);
    x.status = status;
    x.upstreamHeaders = headers;
    if (!x.stream || status !== 200 || x.cancelled) return;
    try {
      const res = x.res;
      const outHeaders = x.responseHeaders();
      for (let i = 0; i < SSE_HEADERS.length; i++) outHeaders.push(SSE_HEADERS[i]);
      res.writeHead(200, outHeaders);
      x.decoder = new StringDecoder('utf8');
      x.filter = new StreamOutputFilter(x.policy, x.bucketKey, x.includeUsage, (sse) => x.emitSse(sse));
    } catch (error) {
      this.fail(x, error);
    }
  }

  /** @internal One upstream SSE chunk: filter it, write what was released in one go, respect backpressure. */
  streamData(x: Exchange, chunk: Buffer): void {
    const filter = x.filter!;
    if (filter.done || filter.blocked || x.cancelled || x.settled) return;
    try {
      const going = filter.write(x.decoder!.write(chunk));
      const res = x.res;
      if (x.pending.length > 0) {
        const out = x.pending;
        x.pending = '';
        if (!res.write(out) && going && x.controller) {
          const controller = x.controller;
          controller.pause();
          res.once('drain', () => controller.resume());
        }
      } else if (!res.headersSent) {
        res.flushHeaders(); // nothing released yet: the client still learns the stream started
      }
      if (!going && filter.blocked && !x.stopped) {
        // A block: nothing more may reach the client, and the upstream need not generate any more.
        x.stopped = true;
        x.controller?.abort(new StreamStopped());
      }
    } catch (error) {
      this.fail(x, error);
      x.controller?.abort(new StreamStopped());
    }
  }

  /** @internal The upstream response is complete. */
  upstreamEnded(x: Exchange): void {
    x.upstreamMs = performance.now() - x.sentAt;
    this.metrics.upstreamLatency.observe(x.upstreamMs / 1000);
    try {
      if (x.settled) return;
      if (x.filter) {
        this.endStream(x, x.cancelled ? 'cancelled' : 'ok', null);
        return;
      }
      if (x.cancelled) throw new ClientGone();
      const status = x.status;
      if (x.stream ? status !== 200 : status >= 400) {
        throw upstreamStatusError(status >= 400 ? status : 502, x.body().toString(), x.upstreamHeaders);
      }
      this.unaryResponse(x);
    } catch (error) {
      this.fail(x, error);
    }
  }

  /** @internal The upstream call failed, or was aborted (client gone, stream blocked). */
  upstreamFailed(x: Exchange, error: Error): void {
    if (x.settled) return;
    if (x.sentAt > 0) {
      x.upstreamMs = performance.now() - x.sentAt;
      this.metrics.upstreamLatency.observe(x.upstreamMs / 1000);
    }
    if (x.filter) {
      if (x.cancelled) {
        this.endStream(x, 'cancelled', null);
      } else if (x.stopped) {
        this.endStream(x, 'ok', null);
      } else {
        const failure = upstreamFailure(error);
        this.metrics.upstreamErrors.inc([failure.code]);
        if (!x.res.writableEnded) {
          x.res.write(
            x.pending +
              StreamOutputFilter.errorEvent('The upstream provider failed mid-stream.', failure.code),
          );
          x.pending = '';
        }
        this.endStream(x, 'error', failure.code);
      }
      return;
    }
    this.fail(x, x.cancelled ? new ClientGone() : upstreamFailure(error));
  }

  private unaryResponse(x: Exchange): void {
    const raw = x.body();
    let completion: { usage?: Partial<UpstreamUsage> | null };
    try {
      completion = JSON.parse(raw.toString()) as typeof completion;
    } catch {
      throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
    }
    if (typeof completion !== 'object' || completion === null) {
      throw new GatewayError('upstream_error', 'The upstream provider sent an unreadable response.');
    }
    const policy = x.policy;
    let outcome: PolicyOutcome = ALLOW;
    let outputChars = 0;
    if (policy) ({ outcome, outputChars } = applyOutputPolicy(completion as never, policy, x.bucketKey));
    else outputChars = countOutputChars(completion);
    x.outputOutcome = outcome;
    const rewritten = outcome.enforced && (outcome.decision === 'redact' || outcome.decision === 'block');
    // Unchanged, the provider's bytes go back as they came.
    writeJson(x.res, 200, x.responseHeaders(), rewritten ? JSON.stringify(completion) : raw);
    this.finish(x, 200, 'ok', null, usageOf(completion.usage, x.inputTokens, outputChars));
  }

  private endStream(x: Exchange, status: UsageStatus, errorCode: string | null): void {
    const filter = x.filter!;
    const res = x.res;
    if (status === 'ok' && !filter.done && !filter.blocked) {
      filter.write(x.decoder!.end());
      filter.end();
    }
    if (!res.writableEnded) {
      if (x.pending.length > 0) res.end(x.pending);
      else res.end();
      x.pending = '';
    }
    x.outputOutcome = filter.outcome();
    this.finish(
      x,
      x.cancelled ? 499 : 200,
      x.cancelled ? 'cancelled' : status,
      errorCode,
      usageOf(filter.usage, x.inputTokens, filter.outputChars),
    );
  }

  private fail(x: Exchange, error: unknown): void {
    if (x.settled) return;
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
    if (x.res.headersSent) {
      // Mid-stream (the SSE headers are out): the only way left to say it is to end the stream.
      if (!x.res.writableEnded) x.res.end(x.pending);
    } else {
      writeError(x.res, failure, x.responseHeaders());
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

  private decision(
    x: Exchange,
    target: PolicyTarget,
    outcome: PolicyOutcome,
    policy: CompiledPolicy | null,
    ms: number,
  ): void {
    const project = x.caller.project;
    this.events.decision(
      project.project_id,
      {
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
      },
      ms,
    );
    const categories = outcome.categories;
    const enforced = outcome.enforced ? 'true' : 'false';
    if (categories.length === 0) this.metrics.decisions.inc([target, 'none', outcome.decision, enforced]);
    for (const category of categories) {
      this.metrics.decisions.inc([target, category, outcome.decision, enforced]);
    }
  }

  /** Settles budget and limits and publishes the events; runs after the response was handed to the socket. */
  private finish(
    x: Exchange,
    httpStatus: number,
    status: UsageStatus,
    errorCode: string | null,
    usage: Usage,
  ): void {
    if (x.settled) return;
    x.settled = true;
    const elapsed = performance.now() - x.t0;
    const { key, project } = x.caller;
    const total = usage.input + usage.output;
    if (x.reserved) this.budget.settle(project.project_id, x.reservedMicros, total);
    if (x.admission) this.limits.settle(x.admission, total);
    if (x.load) this.shedder.release(x.load, project.plan, x.status, x.upstreamMs);
    const now = Date.now();
    if (x.inputOutcome) this.decision(x, 'input', x.inputOutcome, x.policy, x.inputDecidedMs);
    if (x.outputOutcome) this.decision(x, 'output', x.outputOutcome, x.policy, now);
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
      started_at: new Date(x.startedMs).toISOString(),
      finished_at: new Date(now).toISOString(),
    });
    this.metrics.addedLatency.observe(Math.max(0, elapsed - x.upstreamMs) / 1000);
    this.metrics.requests.inc([
      String(httpStatus),
      this.metrics.modelLabel(x.model, project.allowed_models),
      project.project_id,
    ]);
    if (total > 0) {
      this.metrics.tokens.inc(['input', project.project_id], usage.input);
      this.metrics.tokens.inc(['output', project.project_id], usage.output);
    }
  }
}

/**
 * The body sent upstream. When nothing in it changes but what the gateway must add, the client's bytes
 * are passed through (no re-serialisation): same model name upstream, prompt not redacted, and for a
 * stream either `include_usage` already asked for or no stream_options at all (then it is spliced in).
 */
function upstreamPayload(
  chat: ChatRequest,
  route: ResolvedRoute,
  raw: Buffer,
  redacted: boolean,
): string | Buffer {
  const body = chat.body;
  if (!redacted && route.upstreamModel === chat.model) {
    if (!chat.stream || chat.includeUsage) return raw;
    if (body.stream_options === undefined) {
      const close = raw.lastIndexOf(0x7d); // the object's closing brace; the body is a non-empty object
      if (close > 0) return Buffer.concat([raw.subarray(0, close), INCLUDE_USAGE, raw.subarray(close)]);
    }
  }
  body.model = route.upstreamModel;
  if (chat.stream)
    body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
  return JSON.stringify(body);
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

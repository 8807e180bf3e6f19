import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { UsageStatus } from '@pgw/contracts';
import type { Dispatcher } from 'undici';
import type { Caller } from '../auth/key-authenticator';
import { GatewayError } from '../errors/gateway-error';
import { writeError, writeJson } from '../http/raw-response';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import {
  NO_USAGE,
  newRequestRecord,
  usageOf,
  type RequestRecord,
  type Usage,
} from '../settlement/request-record';
import type { Settlement } from '../settlement/settlement';
import {
  MAX_DURATION_CODE,
  upstreamFailure,
  upstreamStatusError,
  type ResolvedRoute,
  type UpstreamClient,
} from '../upstream/upstream-client';
import type { ResponseContext, ResponseStages, StreamRedactionStage } from './response-stages';

/** Abort reasons, created only when a request is actually aborted (no AbortController per request). */
class ClientGone extends Error {}
class StreamStopped extends Error {}
/** The call reached the overall bound (upstream.maxDurationMs): reported as upstream_timeout. */
class MaxDurationReached extends Error {
  readonly code = MAX_DURATION_CODE;
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

const kExchange = Symbol('pgwExchange');

/** What every exchange needs, injected once (see Exchanges). */
export interface ExchangeServices {
  readonly upstream: UpstreamClient;
  readonly settlement: Settlement;
  readonly metrics: GatewayMetrics;
}

/**
 * One request's response side, settled exactly once. The request stage fills its record and calls send();
 * the Exchange is then the undici dispatch handler of the upstream call, so the response arrives as plain
 * callbacks on it: unary body, stream start, stream data, end, failure, and the client going away.
 */
export class Exchange implements Dispatcher.DispatchHandler, ResponseContext {
  readonly record: RequestRecord;
  /** Picks the canary bucket for both targets of this request. */
  bucketKey = '';
  /** The client asked for the final usage chunk of a stream. */
  includeUsage = false;
  /** The input token estimate (the usage when the provider gives none). */
  inputTokens = 0;
  sentAt = 0;
  cancelled = false;
  /** The stream was ended on purpose (a block): the upstream abort that follows is not a failure. */
  stopped = false;
  settled = false;
  private controller: Dispatcher.DispatchController | null = null;
  /** Aborts the upstream call at the overall bound; cleared when the response ends or fails. */
  private deadline: NodeJS.Timeout | null = null;
  private upstreamHeaders: Record<string, string | string[] | undefined> = {};
  private chunks: Buffer[] = [];
  private bodyBytes = 0;
  private redaction: StreamRedactionStage | null = null;
  private decoder: StringDecoder | null = null;
  /** SSE text released while processing one upstream chunk, written with one res.write(). */
  private pending = '';
  private wroteBody = false;

  constructor(
    private readonly services: ExchangeServices,
    private readonly stages: ResponseStages,
    readonly res: ServerResponse,
    caller: Caller,
    requestId: string,
  ) {
    this.record = newRequestRecord(caller, requestId);
    (res as ServerResponse & { [kExchange]?: Exchange })[kExchange] = this;
    res.on('close', onResponseClose);
  }

  /** The request stage is done: the body goes upstream (never when the client already left). */
  send(
    route: ResolvedRoute,
    body: string | Buffer | null,
    target: { method: 'POST' | 'GET' | 'DELETE'; path: string } | null = null,
  ): void {
    if (this.cancelled) {
      this.finish(499, 'cancelled', null, NO_USAGE);
      return;
    }
    this.sentAt = performance.now();
    this.services.upstream.dispatch(route, body, this, target);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(new ClientGone());
    else if (!this.deadline)
      this.deadline = setTimeout(abortAtMaxDuration, this.services.upstream.maxDurationMs, this).unref();
  }

  /** @internal The timer of the overall bound fired: the call ends as an upstream failure. */
  abortAtMaxDuration(): void {
    this.deadline = null;
    this.controller?.abort(new MaxDurationReached());
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  /** Upstream status and headers arrived. A 200 stream starts here: headers go out with the first event. */
  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.services.metrics.upstreamTtfb.observe((performance.now() - this.sentAt) / 1000);
    this.record.upstreamStatus = statusCode;
    this.upstreamHeaders = headers;
    if (!this.record.stream || statusCode !== 200 || this.cancelled) return;
    try {
      const outHeaders = this.responseHeaders();
      for (let i = 0; i < SSE_HEADERS.length; i++) outHeaders.push(SSE_HEADERS[i]);
      this.res.writeHead(200, outHeaders);
      this.decoder = new StringDecoder('utf8');
      this.redaction = this.stages.stream(this, (sse) => this.emitSse(sse));
    } catch (error) {
      this.fail(error);
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.redaction) {
      this.streamData(this.redaction, chunk);
    } else if (this.record.upstreamStatus < 300 || this.bodyBytes < MAX_ERROR_BODY) {
      this.chunks.push(chunk);
      this.bodyBytes += chunk.length;
    }
  }

  /** The upstream response is complete. */
  onResponseEnd(): void {
    this.clearDeadline();
    this.record.upstreamMs = performance.now() - this.sentAt;
    this.services.metrics.upstreamLatency.observe(this.record.upstreamMs / 1000);
    try {
      if (this.settled) return;
      if (this.redaction) {
        this.endStream(this.redaction, this.cancelled ? 'cancelled' : 'ok', null);
        return;
      }
      if (this.cancelled) throw new ClientGone();
      const status = this.record.upstreamStatus;
      if (this.record.stream ? status !== 200 : status >= 400) {
        if (status === 404 && this.stages.upstreamNotFound) throw this.stages.upstreamNotFound();
        throw upstreamStatusError(status >= 400 ? status : 502, this.body().toString(), this.upstreamHeaders);
      }
      this.unaryResponse();
    } catch (error) {
      this.fail(error);
    }
  }

  /** The upstream call failed, or was aborted (client gone, stream blocked). */
  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.clearDeadline();
    if (this.settled) return;
    if (this.sentAt > 0) {
      this.record.upstreamMs = performance.now() - this.sentAt;
      this.services.metrics.upstreamLatency.observe(this.record.upstreamMs / 1000);
    }
    const redaction = this.redaction;
    if (!redaction) {
      this.fail(this.cancelled ? new ClientGone() : upstreamFailure(error));
    } else if (this.cancelled) {
      this.endStream(redaction, 'cancelled', null);
    } else if (this.stopped) {
      this.endStream(redaction, 'ok', null);
    } else {
      const failure = upstreamFailure(error);
      this.services.metrics.upstreamErrors.inc([failure.code]);
      if (!this.res.writableEnded) {
        this.res.write(
          this.pending +
            (redaction.errorEvent ?? this.stages.errorEvent).call(
              redaction,
              'The upstream provider failed mid-stream.',
              failure.code,
            ),
        );
        this.pending = '';
      }
      this.endStream(redaction, 'error', failure.code);
    }
  }

  /** The client went away before the response finished: the upstream call is aborted. */
  clientGone(): void {
    if (this.res.writableFinished || this.settled) return;
    this.cancelled = true;
    this.controller?.abort(new ClientGone());
  }

  /** Any failure, before or after the upstream call: an OpenAI-shaped error (or the stream's end), settled. */
  fail(error: unknown): void {
    if (this.settled) return;
    if (error instanceof ClientGone || (this.cancelled && !(error instanceof GatewayError))) {
      this.finish(499, 'cancelled', null, NO_USAGE);
      return;
    }
    const requestId = this.record.requestId;
    const failure =
      error instanceof GatewayError
        ? error
        : new GatewayError('internal_error', `Internal error (request ${requestId}).`);
    if (!(error instanceof GatewayError)) {
      console.error(
        `[gateway] request ${requestId} failed: ${error instanceof Error ? error.stack : String(error)}`,
      );
    }
    if (failure.kind === 'upstream_error' || failure.kind === 'upstream_timeout')
      this.services.metrics.upstreamErrors.inc([failure.code]);
    const status: UsageStatus =
      failure.kind === 'policy_block'
        ? 'blocked'
        : failure.kind === 'upstream_error' ||
            failure.kind === 'upstream_timeout' ||
            failure.kind === 'internal_error'
          ? 'error'
          : 'rejected';
    const headers = this.res.headersSent ? null : this.responseHeaders();
    this.finish(failure.status, status, failure.code, NO_USAGE);
    if (headers === null) {
      // Mid-stream (the SSE headers are out): say it with an error event (the SDK raises it), then end.
      if (!this.res.writableEnded)
        this.res.end(this.pending + this.stages.errorEvent(failure.message, failure.code));
      this.pending = '';
    } else {
      writeError(this.res, failure, headers);
    }
  }

  responseHeaders(): string[] {
    const headers = ['x-request-id', this.record.requestId];
    const limits = this.record.admission?.headers;
    if (limits) for (const name in limits) headers.push(name, limits[name]);
    return headers;
  }

  /** The streaming redaction's sink: the first release goes out at once (time to first byte), the rest per chunk. */
  private emitSse(sse: string): void {
    if (this.wroteBody) {
      this.pending += sse;
    } else {
      this.wroteBody = true;
      this.res.write(sse);
    }
  }

  /** One upstream SSE chunk: redact it, write what was released in one go, respect backpressure. */
  private streamData(redaction: StreamRedactionStage, chunk: Buffer): void {
    if (redaction.done || redaction.blocked || this.cancelled || this.settled) return;
    try {
      const going = redaction.write(this.decoder!.write(chunk));
      const res = this.res;
      if (this.pending.length > 0) {
        const out = this.pending;
        this.pending = '';
        if (!res.write(out) && going && this.controller) {
          const controller = this.controller;
          controller.pause();
          res.once('drain', () => controller.resume());
        }
      } else if (!res.headersSent) {
        res.flushHeaders(); // nothing released yet: the client still learns the stream started
      }
      if (!going && redaction.blocked && !this.stopped) {
        // A block: nothing more may reach the client, and the upstream need not generate any more.
        this.stopped = true;
        this.controller?.abort(new StreamStopped());
      }
    } catch (error) {
      this.fail(error);
      this.controller?.abort(new StreamStopped());
    }
  }

  private unaryResponse(): void {
    const { body, outcome, usage } = this.stages.unary(this, this.body());
    this.record.outputOutcome = outcome;
    const headers = this.responseHeaders();
    this.finish(200, 'ok', null, usage);
    writeJson(this.res, 200, headers, body);
  }

  private endStream(redaction: StreamRedactionStage, status: UsageStatus, errorCode: string | null): void {
    const res = this.res;
    if (status === 'ok' && !redaction.done && !redaction.blocked) {
      redaction.write(this.decoder!.end());
      redaction.end();
    }
    this.record.outputOutcome = redaction.outcome();
    this.finish(
      this.cancelled ? 499 : 200,
      this.cancelled ? 'cancelled' : status,
      errorCode,
      usageOf(redaction.usage, this.inputTokens, redaction.outputChars),
    );
    if (!res.writableEnded) {
      if (this.pending.length > 0) res.end(this.pending);
      else res.end();
      this.pending = '';
    }
  }

  /**
   * Durable before acknowledged: every path that ends the response settles first, and settlement
   * publishes the request's events, which the event bus appends to its local log before publish()
   * returns. So a client holds a complete response only once its events are in the log (a kill -9
   * right after res.end() cannot lose them).
   */
  private finish(httpStatus: number, status: UsageStatus, errorCode: string | null, usage: Usage): void {
    if (this.settled) return;
    this.settled = true;
    this.services.settlement.settle(this.record, { httpStatus, status, errorCode, usage });
  }

  private body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
  }
}

function abortAtMaxDuration(exchange: Exchange): void {
  exchange.abortAtMaxDuration();
}

/** The response closed: before it finished means the client went away. */
function onResponseClose(this: ServerResponse & { [kExchange]?: Exchange }): void {
  this[kExchange]?.clientGone();
}

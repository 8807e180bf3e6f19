import type { GatewayError } from '../errors/gateway-error';
import type { PolicyOutcome } from '../policy/policy-port';
import type { ProviderUsage, RequestRecord, Usage } from '../settlement/request-record';

/** The streaming redaction of one response: upstream SSE text in, redacted SSE out through `emit`. */
export interface StreamRedactionStage {
  /** The stream reached its end ([DONE], or the block's last event). */
  readonly done: boolean;
  /** An enforced block stopped the stream. */
  readonly blocked: boolean;
  /** The provider's usage, when it sent it. */
  readonly usage: ProviderUsage | null;
  /** Characters of generated text received (for the usage estimate when the provider gives none). */
  readonly outputChars: number;
  /** Feeds decoded upstream text; false once the stream must stop. */
  write(text: string): boolean;
  /** The upstream ended cleanly: release what is held back and close the stream. */
  end(): void;
  /** The output decision over everything evaluated so far. */
  outcome(): PolicyOutcome;
  /** The stream's own error event, when it numbers its events (else ResponseStages.errorEvent). */
  errorEvent?(message: string, code: string): string;
}

/** What the response stages read of the request (the Exchange, seen from an endpoint). */
export interface ResponseContext {
  readonly record: RequestRecord;
  /** Picks the canary bucket for both targets of this request. */
  readonly bucketKey: string;
  /** The client asked for the final usage chunk of a stream. */
  readonly includeUsage: boolean;
  /** The input token estimate (the usage when the provider gives none). */
  readonly inputTokens: number;
}

export interface UnaryResult {
  /** What the client gets (the provider's own bytes when nothing changed). */
  body: string | Buffer;
  /** The output decision; null when the response carries no text (embeddings): no output event then. */
  outcome: PolicyOutcome | null;
  usage: Usage;
}

/**
 * What an endpoint plugs into the Exchange: how a complete response body and a response stream go through
 * the output policy. The Exchange owns everything else (status, headers, backpressure, failures, the
 * client going away, settlement).
 */
export interface ResponseStages {
  /** A complete 2xx upstream body; throws a GatewayError when it is unreadable. */
  unary(x: ResponseContext, body: Buffer): UnaryResult;
  /** A 200 event stream: the redaction every upstream chunk goes through. */
  stream(x: ResponseContext, emit: (sse: string) => void): StreamRedactionStage;
  /** The SSE event that tells the client the upstream failed mid-stream. */
  errorEvent(message: string, code: string): string;
  /**
   * What an upstream 404 means for this call (a stored response the provider no longer has); without it a
   * 404 is the client's request rejected (400, as for a POST).
   */
  upstreamNotFound?(): GatewayError;
}

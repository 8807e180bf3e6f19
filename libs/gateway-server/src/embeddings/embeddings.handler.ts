import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/key-authenticator';
import { estimateTokens } from '../completions/chat-request';
import { EndpointRequestStage, requestIdOf } from '../endpoints/endpoint-request';
import { GatewayError } from '../errors/gateway-error';
import { Exchanges } from '../exchange/exchanges';
import { visitEmbeddingsTexts } from '../fields/embeddings-request-fields';
import { parseJsonBody } from '../http/raw-response';
import type { TextSegment } from '../policy/policy-port';
import { EMBEDDINGS_RESPONSE_STAGES } from './embeddings-response';
import { parseEmbeddingsRequest } from './embeddings-request';

/** Tokens beyond what the body's bytes cover (as chat's bound). */
const INPUT_OVERHEAD_TOKENS = 8;

/**
 * POST /v1/embeddings: the shared request stage (model, shedding, budget, limits, input policy over every
 * string input), then the provider's vectors passed back unchanged. The budget holds the request body's
 * bytes as its token bound (every token of a byte-level BPE covers at least one byte; a token id takes at
 * least two bytes of JSON), settled to the provider's prompt_tokens at the configured price.
 */
@Injectable()
export class EmbeddingsHandler {
  constructor(
    private readonly exchanges: Exchanges,
    private readonly stage: EndpointRequestStage,
  ) {}

  handle(request: IncomingMessage, res: ServerResponse, caller: Caller, raw: Buffer): void {
    const x = this.exchanges.open(EMBEDDINGS_RESPONSE_STAGES, res, caller, requestIdOf(request));
    try {
      const embeddings = parseEmbeddingsRequest(parseJsonBody(raw.toString()));
      const body = embeddings.body;
      const texts: TextSegment[] = [];
      visitEmbeddingsTexts(body, (text, role) => (texts.push({ text, role }), text));
      x.record.endpoint = 'embeddings';
      this.stage.run(x, caller, {
        endpoint: 'embeddings',
        model: embeddings.model,
        stream: false,
        user: embeddings.user,
        texts,
        inputTokens: embeddings.tokenInput ? embeddings.inputSize : estimateTokens(embeddings.inputSize),
        boundTokens: raw.length + INPUT_OVERHEAD_TOKENS,
        writeBack: (redacted) => {
          let i = 0;
          visitEmbeddingsTexts(body, () => redacted[i++]);
        },
        userAfterWriteBack: () => (typeof body.user === 'string' && body.user.length > 0 ? body.user : null),
        checkPolicy: (policy) => {
          // Token ids are read by the model's tokenizer, not by the policy: with a policy to enforce, the
          // gateway refuses what it cannot judge rather than forwarding it unseen.
          if (policy && embeddings.tokenInput) {
            throw new GatewayError(
              'invalid_request',
              "Token-array input cannot be checked by the project's policy; send the input as text.",
              'input',
              { code: 'unscannable_input' },
            );
          }
        },
        payload: (route) => {
          body.model = route.upstreamModel;
          return JSON.stringify(body);
        },
        path: '/embeddings',
      });
    } catch (error) {
      x.fail(error);
    }
  }
}

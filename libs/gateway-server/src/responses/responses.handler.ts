import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { Caller } from '../auth/key-authenticator';
import { estimateTokens } from '../completions/chat-request';
import { EndpointRequestStage, requestIdOf, type EndpointRequest } from '../endpoints/endpoint-request';
import { GatewayError } from '../errors/gateway-error';
import type { Exchange } from '../exchange/exchange';
import { Exchanges } from '../exchange/exchanges';
import type { ResponseContext, ResponseStages } from '../exchange/response-stages';
import { visitResponsesRequestTexts } from '../fields/responses-request-fields';
import { parseJsonBody } from '../http/raw-response';
import { modelTokenLimits } from '../limits/model-token-limits';
import type { TextSegment } from '../policy/policy-port';
import { NO_USAGE } from '../settlement/request-record';
import { GatewayStateStore, POLICY_UNAVAILABLE } from '../state/gateway-state.store';
import { UpstreamClient } from '../upstream/upstream-client';
import { RESPONSE_OWNERSHIP, type ResponseOwner, type ResponseOwnershipStore } from './response-ownership';
import { PASS_THROUGH_STAGES, responsesStages } from './responses-response';
import { parseResponsesRequest, RESPONSE_ID, type ResponsesRequest } from './responses-request';

/** Priming tokens beyond what the body's bytes cover (as chat's bound). */
const INPUT_OVERHEAD_TOKENS = 8;
const SECONDS_PER_DAY = 86_400;

export type StoredCall = 'retrieve' | 'delete' | 'input_items';

/**
 * The Responses API: POST /v1/responses (the shared request stage, then the Responses output stages,
 * streamed or not), and the stored-response calls GET/DELETE /v1/responses/{id} and
 * GET /v1/responses/{id}/input_items, which, like previous_response_id, only the creating project may make.
 */
@Injectable()
export class ResponsesHandler {
  private readonly createStages: ResponseStages;
  private readonly retrieveStages: ResponseStages;
  /** Requests sent with store: false: the provider keeps nothing, so there is no owner to record. */
  private readonly unstored = new WeakSet<object>();

  constructor(
    private readonly exchanges: Exchanges,
    private readonly stage: EndpointRequestStage,
    private readonly state: GatewayStateStore,
    private readonly upstream: UpstreamClient,
    @Inject(RESPONSE_OWNERSHIP) private readonly owners: ResponseOwnershipStore,
  ) {
    this.createStages = responsesStages((x, id) => this.remember(x, id));
    const retrieve = responsesStages(() => undefined);
    // A retrieved response goes through the output policy again (the policy may have changed since), but
    // its tokens were billed when it was created.
    this.retrieveStages = {
      ...retrieve,
      unary: (x, raw) => ({ ...retrieve.unary(x, raw), usage: NO_USAGE }),
    };
  }

  /** DELETE passes the provider's answer back and, once it succeeded, forgets the owner. */
  private deleteStages(id: string): ResponseStages {
    return {
      ...PASS_THROUGH_STAGES,
      unary: (x, raw) => {
        const result = PASS_THROUGH_STAGES.unary(x, raw);
        this.owners.forget(id);
        return result;
      },
    };
  }

  /** POST /v1/responses. */
  create(request: IncomingMessage, res: ServerResponse, caller: Caller, raw: Buffer): void {
    const x = this.exchanges.open(this.createStages, res, caller, requestIdOf(request));
    x.record.endpoint = 'responses';
    try {
      const parsed = parseResponsesRequest(parseJsonBody(raw.toString()));
      if (parsed.body.store === false) this.unstored.add(x.record);
      const endpoint = this.endpointRequest(parsed, raw.length);
      const previous = parsed.previousResponseId;
      if (previous === null) {
        this.stage.run(x, caller, endpoint);
        return;
      }
      // Continuing a conversation is reading the earlier response: only its project may.
      this.ownerCheck(previous, caller, 'previous').then(
        () => this.stage.run(x, caller, endpoint),
        (error: unknown) => x.fail(error),
      );
    } catch (error) {
      x.fail(error);
    }
  }

  /** GET/DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items (query: limit, order, after). */
  stored(
    request: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    call: StoredCall,
    id: string,
    query: URLSearchParams,
  ): void {
    const stages =
      call === 'retrieve'
        ? this.retrieveStages
        : call === 'delete'
          ? this.deleteStages(id)
          : PASS_THROUGH_STAGES;
    const x = this.exchanges.open(
      { ...stages, upstreamNotFound: () => notFound(id) },
      res,
      caller,
      requestIdOf(request),
    );
    x.record.endpoint = 'responses';
    this.ownerCheck(id, caller, 'stored').then(
      (owner) => this.forwardStored(x, caller, call, id, owner, query),
      (error: unknown) => x.fail(error),
    );
  }

  private forwardStored(
    x: Exchange,
    caller: Caller,
    call: StoredCall,
    id: string,
    owner: ResponseOwner,
    query: URLSearchParams,
  ): void {
    try {
      const record = x.record;
      record.model = owner.model;
      record.modelKnown = true;
      const route = this.upstream.route(owner.model);
      if (!route) throw notFound(id);
      if (call === 'retrieve') {
        const policy = this.state.policyFor(caller.project.project_id);
        if (policy === POLICY_UNAVAILABLE) {
          throw new GatewayError(
            'policy_unavailable',
            "The project's policy could not be loaded; try again shortly.",
          );
        }
        record.policy = policy;
        x.bucketKey = caller.key.key_id;
      }
      const path = `${route.basePath}/responses/${id}${call === 'input_items' ? `/input_items${listQuery(query)}` : ''}`;
      x.send(route, null, { method: call === 'delete' ? 'DELETE' : 'GET', path });
    } catch (error) {
      x.fail(error);
    }
  }

  private endpointRequest(parsed: ResponsesRequest, rawBytes: number): EndpointRequest {
    const body = parsed.body;
    const texts: TextSegment[] = [];
    let mediaParts = 0;
    const chars = visitResponsesRequestTexts(
      body,
      (text, role) => (texts.push({ text, role }), text),
      () => mediaParts++,
    );
    return {
      endpoint: 'responses',
      model: parsed.model,
      stream: parsed.stream,
      user: parsed.user,
      texts,
      mediaParts,
      inputTokens: estimateTokens(chars, parsed.items),
      boundTokens: boundTokens(parsed, rawBytes),
      writeBack: (redacted) => {
        let i = 0;
        visitResponsesRequestTexts(body, () => redacted[i++]);
      },
      userAfterWriteBack: () => (typeof body.user === 'string' && body.user.length > 0 ? body.user : null),
      payload: (route) => {
        body.model = route.upstreamModel;
        return JSON.stringify(body);
      },
      path: '/responses',
    };
  }

  private remember(x: ResponseContext, id: string): void {
    if (!RESPONSE_ID.test(id) || this.unstored.has(x.record)) return;
    const project = x.record.caller.project;
    this.owners.remember(
      id,
      { projectId: project.project_id, model: x.record.model },
      project.audit_retention_days * SECONDS_PER_DAY,
    );
  }

  private async ownerCheck(id: string, caller: Caller, use: 'previous' | 'stored'): Promise<ResponseOwner> {
    let owner: ResponseOwner | null = null;
    if (RESPONSE_ID.test(id)) {
      try {
        owner = await this.owners.lookup(id);
      } catch {
        throw new GatewayError(
          'policy_unavailable',
          "The response's owner could not be checked; try again shortly.",
          null,
          { code: 'ownership_unavailable', headers: { 'retry-after': '1' } },
        );
      }
    }
    if (owner && owner.projectId === caller.project.project_id) return owner;
    if (use === 'previous') {
      // OpenAI's own answer for an unknown previous response.
      throw new GatewayError(
        'invalid_request',
        `Previous response with id '${id}' not found.`,
        'previous_response_id',
        { code: 'previous_response_not_found' },
      );
    }
    throw notFound(id);
  }
}

/**
 * The budget bound: the body's bytes for the input (as chat's), plus max_output_tokens or the model's
 * largest output. A conversation continued from previous_response_id also pays for the stored turns the
 * provider adds, which the gateway cannot see: they are billed at settlement from the provider's usage
 * (one of the overspends docs/budgets.md lists).
 */
function boundTokens(parsed: ResponsesRequest, rawBytes: number): number {
  const output = parsed.maxOutputTokens ?? modelTokenLimits(parsed.model).maxOutputTokens;
  return Math.min(Number.MAX_SAFE_INTEGER, rawBytes + INPUT_OVERHEAD_TOKENS + output);
}

function notFound(id: string): GatewayError {
  return new GatewayError('invalid_request', `No response found with id '${id}'.`, null, {
    status: 404,
    code: 'not_found',
  });
}

/** The list parameters input_items takes, rebuilt from checked values (nothing else goes upstream). */
function listQuery(query: URLSearchParams): string {
  const out = new URLSearchParams();
  const limit = query.get('limit');
  if (limit !== null && /^[0-9]{1,3}$/.test(limit)) out.set('limit', limit);
  const order = query.get('order');
  if (order === 'asc' || order === 'desc') out.set('order', order);
  const after = query.get('after');
  if (after !== null && RESPONSE_ID.test(after)) out.set('after', after);
  const text = out.toString();
  return text.length > 0 ? `?${text}` : '';
}

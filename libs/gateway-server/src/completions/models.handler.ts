import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/key-authenticator';
import { GatewayError } from '../errors/gateway-error';
import { UpstreamClient } from '../upstream/upstream-client';

/**
 * GET /v1/models: the models this key may call (project list ∩ key list, routed by the gateway);
 * GET /v1/models/{id}: one of them as an OpenAI model object, else an OpenAI-shaped 404 model_not_found.
 */
@Injectable()
export class ModelsHandler {
  constructor(private readonly upstream: UpstreamClient) {}

  list(caller: Caller): string {
    const { key, project } = caller;
    const base = project.allowed_models.length > 0 ? project.allowed_models : this.upstream.routedModels();
    const ids = base.filter(
      (id) => (!key.allowed_models || key.allowed_models.includes(id)) && this.upstream.route(id),
    );
    return JSON.stringify({ object: 'list', data: ids.map((id) => modelObject(id, caller)) });
  }

  /** A model the key may call, also one served only by the default upstream (as chat completions accept it). */
  get(caller: Caller, id: string): string {
    const { key, project } = caller;
    const allowed =
      id.length > 0 &&
      (project.allowed_models.length === 0 || project.allowed_models.includes(id)) &&
      (!key.allowed_models || key.allowed_models.includes(id)) &&
      this.upstream.route(id) !== null;
    if (!allowed) {
      throw new GatewayError(
        'model_not_found',
        `The model '${id}' does not exist or you do not have access to it.`,
        'model',
        { status: 404 },
      );
    }
    return JSON.stringify(modelObject(id, caller));
  }
}

function modelObject(id: string, caller: Caller) {
  const created = Math.floor(Date.parse(caller.project.updated_at) / 1000) || 0;
  return { id, object: 'model', created, owned_by: 'policy-gateway' };
}

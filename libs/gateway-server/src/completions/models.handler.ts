import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/key-authenticator';
import { UpstreamClient } from '../upstream/upstream-client';

/** GET /v1/models: the models this key may call (project list ∩ key list, routed by the gateway). */
@Injectable()
export class ModelsHandler {
  constructor(private readonly upstream: UpstreamClient) {}

  list(caller: Caller): string {
    const { key, project } = caller;
    const base = project.allowed_models.length > 0 ? project.allowed_models : this.upstream.routedModels();
    const ids = base.filter(
      (id) => (!key.allowed_models || key.allowed_models.includes(id)) && this.upstream.route(id),
    );
    const created = Math.floor(Date.parse(project.updated_at) / 1000) || 0;
    return JSON.stringify({
      object: 'list',
      data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'policy-gateway' })),
    });
  }
}

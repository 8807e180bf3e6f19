import type { Caller } from '../auth/key-authenticator';
import { GatewayError } from '../errors/gateway-error';
import type { ResolvedRoute, UpstreamClient } from './upstream-client';

type Routes = Pick<UpstreamClient, 'route' | 'hasRoute'>;

/**
 * The route of a model this key may call; else 404 `model_not_found` (not routed, or outside the project's
 * list: an empty project list allows every routed model) or 403-style `model_not_allowed` (outside the key's).
 * Every `/v1` endpoint that names a model resolves it here.
 */
export function routeForCaller(routes: Routes, caller: Caller, model: string): ResolvedRoute {
  const projectModels = caller.project.allowed_models;
  const route = routes.route(model);
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

/**
 * A model named by the operator (a route) or the project admin (an allow list), not only by the client:
 * records keep its name; any other model is recorded as `unknown`.
 */
export function isKnownModel(routes: Routes, caller: Caller, model: string): boolean {
  return (
    routes.hasRoute(model) ||
    caller.project.allowed_models.includes(model) ||
    (caller.key.allowed_models?.includes(model) ?? false)
  );
}

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

export const ADMIN_ACTOR_HEADER = 'x-admin-actor';
export const DEFAULT_ADMIN_ACTOR = 'admin';

/** Who made an admin change, from `x-admin-actor` (free text, trimmed to 200 chars; default `admin`). */
export function actorFromHeader(value: string | string[] | undefined): string {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  return raw ? raw.slice(0, 200) : DEFAULT_ADMIN_ACTOR;
}

export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  actorFromHeader(
    context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers[
      ADMIN_ACTOR_HEADER
    ],
  ),
);

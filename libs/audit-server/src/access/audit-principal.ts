import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { AdminApiException } from '@pgw/server-kit';

/** Who is asking: the operator (admin token) or a project key, which only ever sees its own project. */
export type AuditPrincipal = { kind: 'admin' } | { kind: 'project'; projectId: string; keyId: string };

export interface RequestWithPrincipal {
  headers: Record<string, string | string[] | undefined>;
  auditPrincipal?: AuditPrincipal;
}

export const Principal = createParamDecorator((_: unknown, context: ExecutionContext): AuditPrincipal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().auditPrincipal;
  if (!principal) throw new AdminApiException('unauthorized', 'Missing bearer token.');
  return principal;
});

/**
 * The project a request is about: an admin may name one (or none = all projects); a project key is
 * pinned to its own, and naming another project is refused.
 */
export function scopeProject(principal: AuditPrincipal, requested: string | undefined): string | undefined {
  if (principal.kind === 'admin') return requested;
  if (requested !== undefined && requested !== principal.projectId) {
    throw new AdminApiException('forbidden', 'A project key can only read its own project.', 'project_id');
  }
  return principal.projectId;
}

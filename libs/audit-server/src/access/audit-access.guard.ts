import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { KEY_PREFIX } from '@pgw/contracts';
import { AdminApiException } from '@pgw/server-kit';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AUDIT_SERVER_OPTIONS, type AuditServerOptions } from '../audit-server.options';
import { KeyStateStore } from '../state/key-state.store';
import type { RequestWithPrincipal } from './audit-principal';

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * `Authorization: Bearer <admin token>` (everything) or `Bearer pgw_...` (a project key, its project
 * only). An unknown, revoked or expired key is a 401; a wrong admin token a 403, as elsewhere in the admin APIs.
 */
@Injectable()
export class AuditAccessGuard implements CanActivate {
  private readonly adminTokenHash: Buffer;

  constructor(
    @Inject(AUDIT_SERVER_OPTIONS) options: AuditServerOptions,
    private readonly keys: KeyStateStore,
  ) {
    this.adminTokenHash = sha256(options.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const header = request.headers['authorization'];
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) {
      throw new AdminApiException('unauthorized', 'Missing bearer token (admin token or project key).');
    }
    const token = header.slice(7);
    if (token.startsWith(KEY_PREFIX)) {
      const identity = this.keys.authenticate(token);
      if (!identity)
        throw new AdminApiException('unauthorized', 'The API key is not valid, revoked or expired.');
      request.auditPrincipal = { kind: 'project', projectId: identity.projectId, keyId: identity.keyId };
      return true;
    }
    if (!timingSafeEqual(sha256(token), this.adminTokenHash)) {
      throw new AdminApiException('forbidden', 'The admin token is not valid.');
    }
    request.auditPrincipal = { kind: 'admin' };
    return true;
  }
}

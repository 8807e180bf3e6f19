import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AdminApiException } from './admin-api.exception';

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** Internal admin APIs: a bearer token from the environment, compared in constant time. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ADMIN_TOKEN) adminToken: string) {
    this.expected = createHash('sha256').update(adminToken).digest();
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>()
      .headers['authorization'];
    if (!header?.startsWith('Bearer ')) {
      throw new AdminApiException('unauthorized', 'Missing admin bearer token.');
    }
    const presented = createHash('sha256').update(header.slice(7)).digest();
    if (!timingSafeEqual(presented, this.expected)) {
      throw new AdminApiException('forbidden', 'The admin token is not valid.');
    }
    return true;
  }
}

import { ArgumentsHost, Catch, HttpException, type Provider } from '@nestjs/common';
import { APP_FILTER, BaseExceptionFilter } from '@nestjs/core';
import { AdminExceptionFilter } from './admin-exception.filter';

/**
 * Errors raised before an admin controller runs (Fastify's body parsing: too large, not JSON, empty) reach
 * only Nest's global filters. On `/admin` paths they leave in the admin error shape like every other admin
 * error; anywhere else Nest's default answer stands.
 */
@Catch(HttpException)
export class AdminRouteErrorsFilter extends BaseExceptionFilter {
  private readonly admin = new AdminExceptionFilter();

  override catch(exception: HttpException, host: ArgumentsHost): void {
    if (host.getType() === 'http') {
      const url = host.switchToHttp().getRequest<{ url?: unknown }>()?.url;
      if (typeof url === 'string' && (url === '/admin' || url.startsWith('/admin/'))) {
        this.admin.catch(exception, host);
        return;
      }
    }
    super.catch(exception, host);
  }
}

/** Add to the providers of every module that serves an admin API (global: Nest's router error handler reads it). */
export const ADMIN_ROUTE_ERRORS_PROVIDER: Provider = {
  provide: APP_FILTER,
  useClass: AdminRouteErrorsFilter,
};

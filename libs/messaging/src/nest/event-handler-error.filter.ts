import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Register on the microservice that runs an EventBusTransport (`useGlobalFilters`): a handler's error goes
 * back to the bus unchanged, which retries the batch and logs it with describeError. Nest's default RPC
 * filter would print the whole error object (a TypeORM error carries the query's parameters) and hand the
 * bus `{ status, message }` instead.
 */
@Catch()
export class EventHandlerErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

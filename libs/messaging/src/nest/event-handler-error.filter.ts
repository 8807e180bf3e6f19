import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Put on every `@EventPattern` controller (`@UseFilters(EventHandlerErrorFilter)`): a handler's error goes
 * back to the bus unchanged, which retries the batch and logs it with describeError. Nest's default RPC
 * filter would print the whole error object (a TypeORM error carries the query and its parameters) and
 * hand the bus `{ status, message }` instead. Not `useGlobalFilters` on the connected microservice:
 * `connectMicroservice` binds the handlers at once, so a global filter added afterwards never applies.
 */
@Catch()
export class EventHandlerErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

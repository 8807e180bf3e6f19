import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { AdminApiException, INT4_MAX } from '@pgw/server-kit';

/**
 * A positive integer path parameter that fits the Postgres `integer` it is compared with (up to
 * 2,147,483,647; beyond, the database refused the query with a 500); otherwise a 400 naming the parameter.
 */
@Injectable()
export class PositiveIntPipe implements PipeTransform<unknown, number> {
  transform(value: unknown, metadata: ArgumentMetadata): number {
    const number = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < 1 || number > INT4_MAX) {
      const name = metadata.data ?? 'parameter';
      throw new AdminApiException(
        'invalid_request',
        `${name} must be an integer from 1 to ${INT4_MAX}.`,
        name,
      );
    }
    return number;
  }
}

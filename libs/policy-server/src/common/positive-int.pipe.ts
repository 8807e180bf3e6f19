import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { AdminApiException } from '@pgw/server-kit';

/** A positive integer path parameter; otherwise a 400 naming the parameter. */
@Injectable()
export class PositiveIntPipe implements PipeTransform<unknown, number> {
  transform(value: unknown, metadata: ArgumentMetadata): number {
    const number = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < 1) {
      const name = metadata.data ?? 'parameter';
      throw new AdminApiException('invalid_request', `${name} must be a positive integer.`, name);
    }
    return number;
  }
}

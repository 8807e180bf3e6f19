import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { AdminApiException } from './admin-api.exception';
import { describeUnsafeInput, findUnsafeInput } from './admin-input-limits';

/** The first failing field as a path (`limits.requests_per_minute`, `rules[2].action`) and its message. */
export function firstValidationFailure(
  errors: ValidationError[],
  parent = '',
): { path: string; message: string } {
  for (const error of errors) {
    const path = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    if (error.constraints) {
      const message = Object.values(error.constraints)[0];
      return { path, message: message.replace(/^property \S+ /, `${path} `) };
    }
    if (error.children?.length) return firstValidationFailure(error.children, path);
  }
  return { path: parent, message: `${parent || 'body'} is invalid` };
}

const CHECKED_INPUTS = new Set<ArgumentMetadata['type']>(['body', 'query', 'param']);

/**
 * Before any DTO work (class-transformer recurses): client input nested deeper than 64 levels, or holding
 * NUL characters or lone surrogates anywhere, is a 400 naming where, never a stack overflow or a 500 from
 * the database.
 */
class AdminValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (CHECKED_INPUTS.has(metadata.type)) {
      const unsafe = findUnsafeInput(value);
      if (unsafe) {
        const what = metadata.type === 'param' ? (metadata.data ?? 'parameter') : metadata.type;
        // Too deep: name the top-level field, not a path 64 levels long.
        const path = unsafe.reason === 'too_deep' ? unsafe.path.split(/[.[]/)[0] : unsafe.path;
        const param = metadata.type === 'param' ? (metadata.data ?? null) : path || null;
        throw new AdminApiException('invalid_request', describeUnsafeInput(unsafe, what), param);
      }
    }
    return super.transform(value, metadata);
  }
}

/** Strict DTO validation: unknown fields are refused, and the error names the field's path. */
export function adminValidationPipe(): ValidationPipe {
  return new AdminValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const failure = firstValidationFailure(errors);
      return new AdminApiException('invalid_request', failure.message, failure.path);
    },
  });
}

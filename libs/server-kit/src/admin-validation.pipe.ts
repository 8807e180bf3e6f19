import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AdminApiException } from './admin-api.exception';

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

/** Strict DTO validation: unknown fields are refused, and the error names the field's path. */
export function adminValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const failure = firstValidationFailure(errors);
      return new AdminApiException('invalid_request', failure.message, failure.path);
    },
  });
}

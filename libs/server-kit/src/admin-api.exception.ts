import { HttpStatus } from '@nestjs/common';

/** Coded errors of the admin APIs; one filter maps them all to the one error shape. */
export const ADMIN_ERROR_CODES = {
  invalid_request: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  plan_feature_unavailable: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  internal_error: HttpStatus.INTERNAL_SERVER_ERROR,
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERROR_CODES;

export class AdminApiException extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  get status(): number {
    return ADMIN_ERROR_CODES[this.code];
  }
}

export const notFound = (what: string): AdminApiException =>
  new AdminApiException('not_found', `${what} not found`);

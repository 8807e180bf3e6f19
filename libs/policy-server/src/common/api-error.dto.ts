import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiProperty,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

class ApiErrorDetail {
  @ApiProperty() message: string;
  @ApiProperty({ example: 'invalid_request_error' }) type: string;
  @ApiProperty({ type: String, nullable: true, example: 'limits.requests_per_minute' }) param: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'invalid_request' }) code: string | null;
}

export class ApiErrorResponse {
  @ApiProperty({ type: ApiErrorDetail }) error: ApiErrorDetail;
}

export function AdminErrorResponses(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiBadRequestResponse({
      type: ApiErrorResponse,
      description: 'Invalid request; `param` names the field.',
    }),
    ApiUnauthorizedResponse({ type: ApiErrorResponse, description: 'Missing admin bearer token.' }),
    ApiForbiddenResponse({
      type: ApiErrorResponse,
      description: 'Wrong admin token, or a plan feature is unavailable.',
    }),
    ApiNotFoundResponse({ type: ApiErrorResponse }),
  );
}

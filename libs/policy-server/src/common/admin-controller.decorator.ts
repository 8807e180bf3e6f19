import { applyDecorators, Controller, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, AdminExceptionFilter, adminValidationPipe } from '@pgw/server-kit';
import { ADMIN_ACTOR_HEADER } from './admin-actor.decorator';
import { AdminErrorResponses } from './api-error.dto';

/**
 * Everything an admin controller of this service shares: the `/admin/v1` prefix, bearer auth, the one
 * error shape, strict DTO validation (controller level, not app-global: embedded mode shares one app).
 */
export function AdminController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(`admin/v1/${path}`),
    ApiTags(tag),
    ApiBearerAuth(),
    ApiHeader({
      name: ADMIN_ACTOR_HEADER,
      required: false,
      description: 'Who makes the change (recorded in the change history); default `admin`.',
    }),
    AdminErrorResponses(),
    UseGuards(AdminAuthGuard),
    UseFilters(AdminExceptionFilter),
    UsePipes(adminValidationPipe()),
  );
}

import { OmitType, PartialType } from '@nestjs/swagger';
import { CreateProjectRequestDto } from './create-project.request.dto';

/**
 * PATCH: only the fields sent change; `null` resets a limit to the level above / removes the budget.
 * `policy` is creation-only (later revisions go through /policies), so PATCH refuses it as unknown.
 */
export class UpdateProjectRequestDto extends PartialType(
  OmitType(CreateProjectRequestDto, ['policy'] as const),
) {}

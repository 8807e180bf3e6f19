import { PartialType } from '@nestjs/swagger';
import { CreateProjectRequestDto } from './create-project.request.dto';

/** PATCH: only the fields sent change; `null` resets a limit to the level above / removes the budget. */
export class UpdateProjectRequestDto extends PartialType(CreateProjectRequestDto) {}

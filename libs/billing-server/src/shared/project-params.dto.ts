import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class ProjectParamsDto {
  @ApiProperty()
  @IsString()
  @Length(1, 64)
  projectId: string;
}

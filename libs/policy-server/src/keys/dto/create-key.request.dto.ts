import { IsStorableTimestamp } from '@pgw/server-kit';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsOptional,
  IsString,
  Length,
  ValidateNested,
} from 'class-validator';
import { RateLimitsDto } from '../../projects/dto/rate-limits.dto';

export class CreateKeyRequestDto {
  @ApiProperty({ example: 'ci-runner' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Must be in the future.',
  })
  @IsOptional()
  @IsStorableTimestamp()
  expires_at?: string | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description: "A subset of the project's models; default all.",
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsString({ each: true })
  allowed_models?: string[] | null;

  @ApiPropertyOptional({
    type: RateLimitsDto,
    description: "The key's own limits; default the project's per-key limits.",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitsDto)
  limits?: RateLimitsDto;
}

import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CATEGORY_PATTERN,
  ROLLOUT_MODES,
  RULE_ACTIONS,
  RULE_TARGETS,
  SEGMENT_ROLES,
  STREAMING_MODES,
  MEDIA_MODES,
  type MediaMode,
  type RolloutMode,
  type RuleAction,
  type RuleTarget,
  type SegmentRole,
  type StreamingMode,
} from './policy-categories';
import type { AllowlistEntryInput, PolicyConfigInput, PolicyRuleInput } from './policy-config.types';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const ID_MESSAGE =
  '$property must be 1-64 characters of letters, digits, _ . : - (starting with a letter or digit)';
const SINGLE_LINE = /^[^\r\n]*$/;

export class RolloutConfig {
  @IsIn(ROLLOUT_MODES)
  mode: RolloutMode;

  @ValidateIf((o: RolloutConfig) => o.mode === 'canary' || o.percentage !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  percentage?: number;
}

export class StreamingConfig {
  @IsIn(STREAMING_MODES)
  mode: StreamingMode;
}

export class PolicyRule implements PolicyRuleInput {
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsString()
  @Matches(CATEGORY_PATTERN, {
    message:
      '$property must be a built-in category (pii.*, secret.*, injection.*) or denylist.<list> / regex.<name> (lower-case snake_case)',
  })
  category: string;

  @IsIn(RULE_TARGETS)
  target: RuleTarget;

  @IsIn(RULE_ACTIONS)
  action: RuleAction;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SEGMENT_ROLES, { each: true })
  roles?: SegmentRole[];

  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(SINGLE_LINE, { message: '$property must be a single line' })
  placeholder?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(256, { each: true })
  terms?: string[];

  @IsOptional()
  @IsBoolean()
  wholeWord?: boolean;

  @IsOptional()
  @IsBoolean()
  caseSensitive?: boolean;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  pattern?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65_536)
  maxLength?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(100)
  threshold?: number;

  @IsOptional()
  @IsObject()
  weights?: Record<string, number>;
}

export class AllowlistEntry implements AllowlistEntryInput {
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  id: string;

  @IsOptional()
  @IsIn(RULE_TARGETS)
  target?: RuleTarget;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(256, { each: true })
  terms?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(2000, { each: true })
  patterns?: string[];

  @IsOptional()
  @IsBoolean()
  caseSensitive?: boolean;

  @IsOptional()
  @IsBoolean()
  wholeWord?: boolean;
}

export class PolicyConfig implements PolicyConfigInput {
  @IsIn([1])
  version: 1;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutConfig)
  rollout?: RolloutConfig;

  @IsOptional()
  @ValidateNested()
  @Type(() => StreamingConfig)
  streaming?: StreamingConfig;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(/^[A-Z]{2}$/, {
    each: true,
    message: '$property must be ISO 3166-1 alpha-2 region codes (e.g. "US")',
  })
  phoneRegions?: string[];

  @IsOptional()
  @IsIn(MEDIA_MODES)
  media?: MediaMode;

  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => PolicyRule)
  rules: PolicyRule[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => AllowlistEntry)
  allowlist?: AllowlistEntry[];
}

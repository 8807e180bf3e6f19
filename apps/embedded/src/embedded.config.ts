import { AttestationKeyEnv } from '@pgw/audit-server';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, MinLength, Min } from 'class-validator';

/** Environment of the one-process embedded mode. Everything has a default, so `npm start` just works. */
/** ATTESTATION_PRIVATE_KEY / _FILE (from AttestationKeyEnv) sign compliance attestations. */
export class EmbeddedConfig extends AttestationKeyEnv {
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsString()
  HOST = '127.0.0.1';

  /** Embedded Postgres (PGlite) files, the admin token and the demo key secret live here. */
  @IsString()
  DATA_DIR = '.pgw-data';

  /** Defaults to a token generated at first start and kept in DATA_DIR. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  ADMIN_TOKEN?: string;

  /** An OpenAI-compatible provider (ending in /v1); without it a built-in mock upstream answers. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  UPSTREAM_BASE_URL?: string;

  @IsOptional()
  @IsString()
  UPSTREAM_API_KEY?: string;

  /** Comma-separated model ids the demo project may use. */
  @IsString()
  DEMO_MODELS = 'gpt-4o-mini,gpt-4o';

  @IsIn(['true', 'false'])
  DEMO_POLICY = 'true';
}

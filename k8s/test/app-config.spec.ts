import { parseConfigSource } from './support/app-config';

const SAMPLE = `
import { IsOptional, IsString, ValidateIf } from 'class-validator';
export class SampleConfig {
  PORT = 8080;

  /** Secret (may carry a password). */
  @IsString()
  DATABASE_URL: string;

  // --- Admin API (secret) ---
  @IsString()
  ADMIN_TOKEN: string;

  @IsOptional()
  @IsString()
  REDIS_URL: string;

  @ValidateIf((c: SampleConfig) => c.PORT > 0)
  UPSTREAM_BASE_URL?: string;

  NOT_VALIDATED?: string;

  get derived(): number {
    return this.PORT;
  }

  private helper = 1;
}
class Unrelated {
  OTHER: string;
}
`;

describe('parseConfigSource (reads env names from a config class without running it)', () => {
  const vars = new Map(parseConfigSource('sample.config.ts', SAMPLE).map((v) => [v.name, v]));

  it('takes the upper-case properties of *Config classes only', () => {
    expect([...vars.keys()]).toEqual([
      'PORT',
      'DATABASE_URL',
      'ADMIN_TOKEN',
      'REDIS_URL',
      'UPSTREAM_BASE_URL',
      'NOT_VALIDATED',
    ]);
  });

  it('required = no default, no `?`, no @IsOptional, no @ValidateIf', () => {
    expect([...vars.values()].filter((v) => v.required).map((v) => v.name)).toEqual([
      'DATABASE_URL',
      'ADMIN_TOKEN',
    ]);
    expect(vars.get('UPSTREAM_BASE_URL')).toMatchObject({ required: false, conditional: true });
  });

  it('secret = a "secret" marker in the comments above the property', () => {
    expect([...vars.values()].filter((v) => v.secret).map((v) => v.name)).toEqual([
      'DATABASE_URL',
      'ADMIN_TOKEN',
    ]);
  });
});

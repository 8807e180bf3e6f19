import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export class ConfigError extends Error {}

/**
 * Environment -> typed, validated config. A bad or missing value stops the app with a message that
 * names the variable (secret values are never echoed).
 */
export function loadConfig<T extends object>(
  configClass: new () => T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const config = plainToInstance(configClass, env, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (error) => `  ${error.property}: ${Object.values(error.constraints ?? {}).join('; ')}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return config;
}

/** For main.ts: print a config error clearly and exit non-zero instead of a stack trace. */
export function exitOnConfigError(error: unknown): never {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

/** `@Transform(toBoolean)`: env strings `true/1/yes` and `false/0/no` become booleans; anything else fails validation. */
export const toBoolean = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? ['true', '1', 'yes'].includes(value.toLowerCase())
      ? true
      : ['false', '0', 'no'].includes(value.toLowerCase())
        ? false
        : value
    : value;

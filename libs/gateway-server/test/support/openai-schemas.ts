import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A structural checker for the JSON Schemas extracted from OpenAI's OpenAPI document
 * (vendored in libs/testing/openai-schemas): type, required, properties, items, enum, anyOf and local $refs.
 * Enough to prove the gateway's responses keep OpenAI's shape; not a full JSON Schema implementation.
 */
type Schema = {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
  $defs?: Record<string, Schema>;
};

const SCHEMA_DIR =
  process.env.PGW_OPENAI_SCHEMAS ?? join(__dirname, '..', '..', '..', 'testing', 'openai-schemas');

export function loadSchema(name: string): Schema {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.json`), 'utf8')) as Schema;
}

/** Returns the problems found (empty when the value fits). */
export function checkAgainst(name: string, value: unknown): string[] {
  const root = loadSchema(name);
  const problems: string[] = [];
  check(root, value, '$', root, problems);
  return problems;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function fits(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer');
}

function check(schema: Schema, value: unknown, path: string, root: Schema, problems: string[]): void {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/$defs/', '');
    const target = root.$defs?.[name];
    if (!target) return void problems.push(`${path}: unresolved ${schema.$ref}`);
    return check(target, value, path, root, problems);
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const fitsOne = alternatives.some((alt) => {
      const sub: string[] = [];
      check(alt, value, path, root, sub);
      return sub.length === 0;
    });
    if (!fitsOne) problems.push(`${path}: matches none of the alternatives`);
    return;
  }
  for (const part of schema.allOf ?? []) check(part, value, path, root, problems);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => fits(t, typeOf(value)))) {
      return void problems.push(`${path}: expected ${types.join('|')}, got ${typeOf(value)}`);
    }
  }
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) problems.push(`${path}.${key}: required`);
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key in record && record[key] !== undefined)
        check(sub, record[key], `${path}.${key}`, root, problems);
    }
  }
  if (typeOf(value) === 'array' && schema.items) {
    (value as unknown[]).forEach((item, i) =>
      check(schema.items as Schema, item, `${path}[${i}]`, root, problems),
    );
  }
}

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A deliberately small JSON Schema (2020-12 subset) checker, enough for the OpenAI schemas extracted to
 * libs/testing/openai-schemas (type, enum, const, properties, required, additionalProperties, items, anyOf,
 * oneOf, allOf, local `#/$defs/...` refs, minimum). ajv is not a dependency; this avoids adding one.
 *
 * `strictProperties` also reports properties a schema does not declare (the OpenAI schemas never set
 * `additionalProperties: false`, so without it a misspelt field such as `finish_reasn` would pass).
 */
export type JsonSchema = boolean | { [keyword: string]: unknown };

export interface SchemaCheckOptions {
  strictProperties?: boolean;
}

/** Vendored in the repository with their source and licence (libs/testing/openai-schemas/README.md). */
const DEFAULT_OPENAI_SCHEMAS_DIR = resolve(__dirname, '../../openai-schemas');

/** Loads one of the extracted OpenAI schemas, e.g. `loadOpenAISchema('CreateChatCompletionResponse')`. */
export function loadOpenAISchema(
  name: string,
  dir = process.env['OPENAI_SCHEMAS_DIR'] ?? DEFAULT_OPENAI_SCHEMAS_DIR,
): JsonSchema {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as JsonSchema;
}

/** Returns the list of violations (empty when `value` conforms). */
export function checkJsonSchema(
  schema: JsonSchema,
  value: unknown,
  options: SchemaCheckOptions = {},
): string[] {
  const errors: string[] = [];
  validate(schema, value, '$', { root: schema, strict: options.strictProperties === true }, errors);
  return errors;
}

interface Context {
  root: JsonSchema;
  strict: boolean;
}

type SchemaObject = { [keyword: string]: unknown };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function matchesType(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
    case 'boolean':
      return typeof value === type;
    default:
      throw new Error(`unsupported JSON Schema type "${type}"`);
  }
}

function resolveRef(ref: string, ctx: Context): JsonSchema {
  const prefix = '#/$defs/';
  if (!ref.startsWith(prefix) || typeof ctx.root !== 'object') throw new Error(`unsupported $ref "${ref}"`);
  const defs = ctx.root['$defs'];
  const target = isObject(defs) ? defs[ref.slice(prefix.length)] : undefined;
  if (target === undefined) throw new Error(`unresolved $ref "${ref}"`);
  return target as JsonSchema;
}

function validate(schema: JsonSchema, value: unknown, path: string, ctx: Context, errors: string[]): void {
  if (schema === true) return;
  if (schema === false) {
    errors.push(`${path}: no value allowed`);
    return;
  }
  const s: SchemaObject = schema;

  if (typeof s['$ref'] === 'string') validate(resolveRef(s['$ref'], ctx), value, path, ctx, errors);

  if (s['type'] !== undefined) {
    const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    if (!types.some((t) => matchesType(t, value))) {
      errors.push(`${path}: expected ${types.join('|')}, got ${typeOf(value)}`);
      return;
    }
  }
  if (Array.isArray(s['enum']) && !s['enum'].some((e) => e === value)) {
    errors.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(s['enum'])}`);
  }
  if ('const' in s && s['const'] !== value) {
    errors.push(`${path}: expected const ${JSON.stringify(s['const'])}`);
  }
  if (typeof s['minimum'] === 'number' && typeof value === 'number' && value < s['minimum']) {
    errors.push(`${path}: ${value} < minimum ${s['minimum']}`);
  }

  if (Array.isArray(s['allOf'])) {
    for (const sub of s['allOf'] as JsonSchema[]) validate(sub, value, path, ctx, errors);
  }
  if (Array.isArray(s['anyOf'])) {
    const branches = (s['anyOf'] as JsonSchema[]).map((sub) => collect(sub, value, path, ctx));
    if (!branches.some((b) => b.length === 0)) {
      errors.push(`${path}: matches no anyOf branch (${branches.map((b) => b.join('; ')).join(' | ')})`);
    }
  }
  if (Array.isArray(s['oneOf'])) {
    const branches = (s['oneOf'] as JsonSchema[]).map((sub) => collect(sub, value, path, ctx));
    const matching = branches.filter((b) => b.length === 0).length;
    if (matching !== 1) {
      errors.push(
        `${path}: matches ${matching} oneOf branches, expected 1 (${branches.map((b) => b.join('; ')).join(' | ')})`,
      );
    }
  }

  if (isObject(value)) validateObject(s, value, path, ctx, errors);
  if (Array.isArray(value) && s['items'] !== undefined) {
    value.forEach((item, i) => validate(s['items'] as JsonSchema, item, `${path}[${i}]`, ctx, errors));
  }
}

function validateObject(
  s: SchemaObject,
  value: Record<string, unknown>,
  path: string,
  ctx: Context,
  errors: string[],
): void {
  const properties = isObject(s['properties']) ? (s['properties'] as Record<string, JsonSchema>) : undefined;
  if (Array.isArray(s['required'])) {
    for (const key of s['required'] as string[]) {
      if (!Object.hasOwn(value, key)) errors.push(`${path}: missing required property "${key}"`);
    }
  }
  const additional = s['additionalProperties'] as JsonSchema | undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    if (properties && Object.hasOwn(properties, key)) {
      validate(properties[key], child, childPath, ctx, errors);
    } else if (additional !== undefined) {
      validate(additional, child, childPath, ctx, errors);
    } else if (ctx.strict && properties) {
      errors.push(`${childPath}: property not declared by the schema`);
    }
  }
}

function collect(schema: JsonSchema, value: unknown, path: string, ctx: Context): string[] {
  const errors: string[] = [];
  validate(schema, value, path, ctx, errors);
  return errors;
}

import { readdirSync } from 'node:fs';
import * as ts from 'typescript';
import { readRepoFile, repoFileExists, repoPath } from './workspace';

/** One environment variable declared by an app's config class (a property named like the variable). */
export interface ConfigVar {
  name: string;
  /** No initializer, no `?`, no @IsOptional / @ValidateIf: the app does not start without it. */
  required: boolean;
  /** Declared with @ValidateIf: required only in some combinations (e.g. UPSTREAM_BASE_URL vs MODEL_ROUTES). */
  conditional: boolean;
  /** Its JSDoc says "Secret": it must come from a Secret, never a literal. */
  secret: boolean;
}

export interface AppConfig {
  app: string;
  files: string[];
  vars: Map<string, ConfigVar>;
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

function decoratorNames(member: ts.ClassElement): string[] {
  const decorators = ts.canHaveDecorators(member) ? (ts.getDecorators(member) ?? []) : [];
  return decorators.map((decorator) => {
    const expression = ts.isCallExpression(decorator.expression)
      ? decorator.expression.expression
      : decorator.expression;
    return ts.isIdentifier(expression) ? expression.text : expression.getText();
  });
}

function leadingComments(source: ts.SourceFile, node: ts.Node): string {
  const text = source.getFullText();
  return (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [])
    .map((r) => text.slice(r.pos, r.end))
    .join('\n');
}

/**
 * The classes a class declaration extends: `class AuditConfig extends ServiceEnv` → ServiceEnv; a mixin call
 * `extends withAttestationKeyEnv(ServiceEnv)` → the mixin function and its class arguments.
 */
function baseClassNames(statement: ts.ClassDeclaration): string[] {
  return (statement.heritageClauses ?? [])
    .filter((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)
    .flatMap((clause) =>
      clause.types.flatMap((type) => {
        const expression = type.expression;
        if (!ts.isCallExpression(expression)) return [expression.getText()];
        return [
          expression.expression.getText(),
          ...expression.arguments.filter(ts.isIdentifier).map((argument) => argument.text),
        ];
      }),
    );
}

/**
 * Parses the config classes (`export class …Config`, or the classes named in `only`) of one source file
 * without executing it. `bases` collects the classes they extend, whose variables belong to them too.
 */
export function parseConfigSource(
  fileName: string,
  text: string,
  only?: ReadonlySet<string>,
  bases: string[] = [],
): ConfigVar[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const vars: ConfigVar[] = [];
  const classes: ts.ClassDeclaration[] = [];
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && only?.has(statement.name.text)) {
      // A mixin: the classes it declares add their variables (their base is the function's parameter).
      for (const inner of statement.body?.statements ?? [])
        if (ts.isClassDeclaration(inner)) classes.push(inner);
      continue;
    }
    if (!ts.isClassDeclaration(statement) || !statement.name) continue;
    if (only ? !only.has(statement.name.text) : !/Config$/.test(statement.name.text)) continue;
    bases.push(...baseClassNames(statement));
    classes.push(statement);
  }
  for (const statement of classes) {
    for (const member of statement.members) {
      if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue;
      const name = member.name.text;
      if (!ENV_NAME.test(name)) continue;
      const decorators = decoratorNames(member);
      const optional =
        member.initializer !== undefined ||
        member.questionToken !== undefined ||
        decorators.includes('IsOptional');
      const conditional = decorators.includes('ValidateIf');
      vars.push({
        name,
        required: !optional && !conditional,
        conditional,
        secret: /\bsecret\b/i.test(leadingComments(source, member)),
      });
    }
  }
  return vars;
}

/** The env variables of apps/<app>/src/*.config.ts, or undefined while the app has no config class yet. */
export function readAppConfig(app: string): AppConfig | undefined {
  const dir = repoPath('apps', app, 'src');
  if (!repoFileExists('apps', app, 'src')) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.config.ts'));
  const vars = new Map<string, ConfigVar>();
  const bases: string[] = [];
  for (const file of files) {
    for (const v of parseConfigSource(file, readRepoFile('apps', app, 'src', file), undefined, bases)) {
      vars.set(v.name, v);
    }
  }
  // Variables inherited from a base class in a library (e.g. AttestationKeyEnv in @pgw/audit-server).
  for (let i = 0; i < bases.length; i++) {
    const file = findClassFile(bases[i]);
    if (!file) throw new Error(`config base class ${bases[i]} not found under libs/`);
    files.push(file);
    for (const v of parseConfigSource(file, readRepoFile(file), new Set([bases[i]]), bases))
      vars.set(v.name, v);
  }
  return vars.size > 0 ? { app, files, vars } : undefined;
}

/** The libs/ source file that declares `export class <name>` (or the mixin `export function <name>`). */
function findClassFile(name: string): string | undefined {
  const declaration = new RegExp(`^export ((abstract )?class|function) ${name}\\b`, 'm');
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(repoPath(dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        const found = walk(path);
        if (found) return found;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('spec.ts')) {
        if (declaration.test(readRepoFile(path))) return path;
      }
    }
    return undefined;
  };
  return walk('libs');
}

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

/** Parses the config classes (`export class …Config`) of one source file without executing it. */
export function parseConfigSource(fileName: string, text: string): ConfigVar[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const vars: ConfigVar[] = [];
  for (const statement of source.statements) {
    if (!ts.isClassDeclaration(statement) || !statement.name || !/Config$/.test(statement.name.text))
      continue;
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
  for (const file of files) {
    for (const v of parseConfigSource(file, readRepoFile('apps', app, 'src', file))) vars.set(v.name, v);
  }
  return vars.size > 0 ? { app, files, vars } : undefined;
}

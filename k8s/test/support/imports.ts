import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';
import { ROOT } from './workspace';

interface TsConfigPaths {
  compilerOptions: { paths: Record<string, string[]> };
}

const builtins = new Set(builtinModules);

function aliases(): Map<string, string> {
  const config = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')) as TsConfigPaths;
  return new Map(
    Object.entries(config.compilerOptions.paths).map(([alias, [target]]) => [alias, join(ROOT, target)]),
  );
}

function resolveLocal(base: string): string | undefined {
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.js`,
    join(base, 'index.ts'),
    join(base, 'index.js'),
  ]) {
    if (existsSync(candidate) && !candidate.endsWith('/') && /\.(ts|js|json)$/.test(candidate))
      return candidate;
  }
  return undefined;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Module specifiers a file loads at run time (type-only imports and exports are erased by the compiler). */
function runtimeSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
    ts.ScriptKind.TS,
  );
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Walks the source graph from an entry file (relative imports and @pgw/* aliases) and returns the npm
 * packages it loads at run time, each with the first file (repo-relative) that imports it. Test files are
 * not part of the graph unless imported.
 */
export function runtimePackages(entry: string): Map<string, string> {
  const paths = aliases();
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file) || file.endsWith('.json')) continue;
    seen.add(file);
    for (const specifier of runtimeSpecifiers(file)) {
      let local: string | undefined;
      if (specifier.startsWith('.')) local = resolveLocal(join(dirname(file), specifier));
      else if (paths.has(specifier))
        local = resolveLocal((paths.get(specifier) as string).replace(/\.ts$/, ''));
      else if (
        specifier.startsWith('node:') ||
        builtins.has(specifier) ||
        builtins.has(packageName(specifier))
      )
        continue;
      else {
        const name = packageName(specifier);
        if (!packages.has(name)) packages.set(name, relative(ROOT, file));
        continue;
      }
      if (local === undefined) throw new Error(`${relative(ROOT, file)}: cannot resolve '${specifier}'`);
      queue.push(local);
    }
  }
  return packages;
}

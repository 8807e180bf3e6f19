import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '..');

/** Every non-test TypeScript source file under apps/ and libs/ (tests may import freely). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) ? [path] : [];
  });
}

const compilerOptions = ts.parseJsonConfigFileContent(
  ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile).config,
  ts.sys,
  root,
).options;

/**
 * File-level import cycles, type-only imports included (TypeScript itself lists and resolves the imports,
 * path aliases too). `overrides` replaces a file's text, so a test can show a cycle is caught.
 */
export function findImportCycles(files: string[], overrides = new Map<string, string>()): string[][] {
  const inScope = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const text = overrides.get(file) ?? readFileSync(file, 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    edges.set(
      file,
      importedFiles
        .map((imported) => ts.resolveModuleName(imported.fileName, file, compilerOptions, ts.sys))
        .map((resolved) => resolved.resolvedModule?.resolvedFileName)
        .filter((target): target is string => target !== undefined && inScope.has(resolve(target)))
        .map((target) => resolve(target)),
    );
  }
  // Tarjan's strongly connected components: every component of more than one file is a cycle.
  const cycles: string[][] = [];
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(relative(root, member));
      } while (member !== file);
      if (component.length > 1 || (edges.get(file) ?? []).includes(file)) cycles.push(component.sort());
    }
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

describe('import cycles', () => {
  const files = [...sourceFiles(join(root, 'apps')), ...sourceFiles(join(root, 'libs'))].map((f) =>
    resolve(f),
  );

  it('has none between source files, type-only imports included', () => {
    expect(findImportCycles(files)).toEqual([]);
  });

  it('catches a type-only cycle (the audit metrics ↔ partition maintenance one this rule removed)', () => {
    const metrics = resolve(root, 'libs/audit-server/src/metrics/audit-metrics.ts');
    const closing =
      readFileSync(metrics, 'utf8') +
      "\nimport type { PartitionMaintenanceService } from '../retention/partition-maintenance.service';\n" +
      'export type Maintenance = PartitionMaintenanceService;\n';
    const cycles = findImportCycles(files, new Map([[metrics, closing]]));
    expect(cycles).toEqual([
      [
        'libs/audit-server/src/metrics/audit-metrics.ts',
        'libs/audit-server/src/retention/partition-maintenance.service.ts',
      ],
    ]);
  });
});

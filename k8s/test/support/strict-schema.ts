import * as ts from 'typescript';
import type { K8sObject } from './render';
import { repoPath } from './workspace';

/** The kubernetes-models (and prometheus-operator models) TypeScript type of each apiVersion/kind used in k8s/. */
const TYPES: Record<string, { from: string; type: string }> = {
  'v1/Namespace': { from: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'v1/ServiceAccount': { from: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  'v1/ConfigMap': { from: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { from: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/Service': { from: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1/Deployment': { from: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'apps/v1/StatefulSet': { from: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
  'batch/v1/Job': { from: 'kubernetes-models/batch/v1/Job', type: 'IJob' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    from: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    type: 'IHorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    from: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    from: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    type: 'INetworkPolicy',
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    from: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    type: 'IServiceMonitor',
  },
};

export interface StrictInput {
  /** Names the object in problems (e.g. "prod StatefulSet/pgw-gateway"). */
  label: string;
  object: K8sObject;
}

/**
 * Unknown fields rejected: each object is type-checked as an object literal against its kubernetes-models
 * TypeScript type, so TypeScript's excess-property check reports any field the Kubernetes OpenAPI schema
 * does not have, at any depth (a misspelt `imagePullPolicyy`, a field in the wrong place), plus wrong types.
 * One compiler run for all objects. Returns "label: message" per problem.
 */
export function unknownFieldProblems(inputs: StrictInput[]): string[] {
  const file = repoPath('k8s', 'test', '__rendered-manifests.ts');
  const imports = new Map<string, string>();
  const lines: string[] = [];
  inputs.forEach(({ object }, index) => {
    const target = TYPES[`${object.apiVersion}/${object.kind}`];
    if (!target) {
      lines.push(`// object ${index}: no type registered`);
      return;
    }
    imports.set(target.type, target.from);
    lines.push(`export const o${index}: ${target.type} = ${JSON.stringify(object)};`);
  });
  const source = [
    ...[...imports].map(([type, from]) => `import type { ${type} } from '${from}';`),
    ...lines,
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    // As tsconfig.base.json: node10 resolution is deprecated in TypeScript 6 (removed in 7).
    ignoreDeprecations: '6.0',
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language, true) : readSource(name, language, ...rest);
  const program = ts.createProgram([file], options, host);
  const problems: string[] = [];
  inputs.forEach(({ label, object }, index) => {
    if (!TYPES[`${object.apiVersion}/${object.kind}`])
      problems.push(`${label}: no TypeScript type registered for ${object.apiVersion} ${object.kind}`);
    void index;
  });
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) {
      problems.push(`(compiler) ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
      continue;
    }
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const match = /^export const o(\d+)/.exec(source.split('\n')[line] ?? '');
    const label = match ? inputs[Number(match[1])].label : `line ${line + 1}`;
    problems.push(`${label}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ').slice(0, 300)}`);
  }
  return problems;
}

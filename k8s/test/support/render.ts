import { execFileSync, spawnSync } from 'node:child_process';
import { load, loadAll } from 'js-yaml';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import { repoPath } from './workspace';

export type {
  IConfigMap,
  IContainer,
  IDeployment,
  IHorizontalPodAutoscaler,
  IJob,
  INamespace,
  INetworkPolicy,
};
export type { IPodDisruptionBudget, IPodSpec, IService, IServiceAccount, IServiceMonitor, IStatefulSet };

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

interface Validatable {
  validate(): void;
}

/** kubernetes-models class per apiVersion/kind used in k8s/ (add one here when a new kind is introduced). */
const MODELS: Record<string, (data: unknown) => Validatable> = {
  'v1/Namespace': (d) => new Namespace(d as ConstructorParameters<typeof Namespace>[0]),
  'v1/ServiceAccount': (d) => new ServiceAccount(d as ConstructorParameters<typeof ServiceAccount>[0]),
  'v1/ConfigMap': (d) => new ConfigMap(d as ConstructorParameters<typeof ConfigMap>[0]),
  'v1/Secret': (d) => new Secret(d as ConstructorParameters<typeof Secret>[0]),
  'v1/Service': (d) => new Service(d as ConstructorParameters<typeof Service>[0]),
  'apps/v1/Deployment': (d) => new Deployment(d as ConstructorParameters<typeof Deployment>[0]),
  'apps/v1/StatefulSet': (d) => new StatefulSet(d as ConstructorParameters<typeof StatefulSet>[0]),
  'monitoring.coreos.com/v1/ServiceMonitor': (d) =>
    new ServiceMonitor(d as ConstructorParameters<typeof ServiceMonitor>[0]),
  'batch/v1/Job': (d) => new Job(d as ConstructorParameters<typeof Job>[0]),
  'autoscaling/v2/HorizontalPodAutoscaler': (d) =>
    new HorizontalPodAutoscaler(d as ConstructorParameters<typeof HorizontalPodAutoscaler>[0]),
  'policy/v1/PodDisruptionBudget': (d) =>
    new PodDisruptionBudget(d as ConstructorParameters<typeof PodDisruptionBudget>[0]),
  'networking.k8s.io/v1/NetworkPolicy': (d) =>
    new NetworkPolicy(d as ConstructorParameters<typeof NetworkPolicy>[0]),
};

/**
 * Validates one object against the Kubernetes OpenAPI schema (types, required fields, enums, formats) with
 * kubernetes-models. Returns the problem, or undefined when valid. These generated validators accept
 * unknown fields: strict-schema.ts rejects those (TypeScript excess-property check on the same models).
 */
export function schemaProblem(object: K8sObject): string | undefined {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!model) return `no kubernetes-models class registered for ${object.apiVersion} ${object.kind}`;
  try {
    model(object).validate();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

let kubectl: string | null | undefined;

/** kubectl with the kustomize subcommand (KUBECTL overrides), or null. */
export function findKubectl(): string | null {
  if (kubectl !== undefined) return kubectl;
  const candidate = process.env.KUBECTL ?? 'kubectl';
  const probe = spawnSync(candidate, ['kustomize', '--help'], { encoding: 'utf8' });
  kubectl = probe.status === 0 ? candidate : null;
  return kubectl;
}

export function kubectlVersion(): string {
  const binary = findKubectl();
  if (!binary) return 'none';
  return execFileSync(binary, ['version', '--client'], { encoding: 'utf8' }).trim().replace(/\n/g, ', ');
}

/** `kubectl kustomize k8s/overlays/<name>`, parsed. */
export function renderOverlay(name: string): K8sObject[] {
  const binary = findKubectl();
  if (!binary) {
    throw new Error(
      'kubectl not found (set KUBECTL or install kubectl >= 1.27, which embeds kustomize 5): the overlays cannot be rendered',
    );
  }
  const yaml = execFileSync(binary, ['kustomize', repoPath('k8s', 'overlays', name)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return loadAll(yaml).filter((doc): doc is K8sObject => doc !== null && typeof doc === 'object');
}

export function parseYaml(text: string): unknown {
  return load(text);
}

export function ofKind<T>(objects: K8sObject[], kind: string): (T & K8sObject)[] {
  return objects.filter((o) => o.kind === kind) as (T & K8sObject)[];
}

export function named<T>(objects: K8sObject[], kind: string, name: string): T & K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found as T & K8sObject;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    if (operator === 'In' && !(has && values.includes(labels[key]))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key])) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return (
    selector !== undefined &&
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  );
}

const UNITS: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A resource quantity ("250m", "1", "512Mi") as a number (cores or bytes). */
export function quantity(value: string | number | undefined): number {
  if (value === undefined) return NaN;
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(value);
  if (!match) return NaN;
  const unit = match[2];
  if (unit !== '' && UNITS[unit] === undefined) return NaN;
  return Number(match[1]) * (unit === '' ? 1 : UNITS[unit]);
}

// Renders the kustomize overlays (k8s/overlays/dev and prod) offline with `kubectl kustomize`, validates
// every object against the Kubernetes schemas (kubernetes-models), and checks what a schema cannot: probes on
// the ports the containers expose, requests/limits, the restricted securityContext, env names consistent
// with the apps' config classes, no secret literals, NetworkPolicies keeping the admin APIs internal, jobs.
import { readAppConfig, type AppConfig } from './support/app-config';
import {
  findKubectl,
  isEmptySelector,
  kubectlVersion,
  named,
  ofKind,
  quantity,
  renderOverlay,
  schemaProblem,
  selectorMatches,
  type IConfigMap,
  type IContainer,
  type IDeployment,
  type IHorizontalPodAutoscaler,
  type IJob,
  type INamespace,
  type INetworkPolicy,
  type IPodDisruptionBudget,
  type IPodSpec,
  type IService,
  type K8sObject,
} from './support/render';
import {
  DATABASE_SERVICES,
  SECRET_NAME,
  SERVICE_PORTS,
  SERVICES,
  readRepoFile,
  repoFileExists,
  type Service,
} from './support/workspace';

const OVERLAYS = { dev: 'pgw-dev', prod: 'pgw' } as const;
type Overlay = keyof typeof OVERLAYS;

/** Secrets the operator creates before applying (docs/deployment.md); manifests only reference them. */
const PRE_CREATED_SECRETS: Record<string, string[]> = {
  'pgw-gateway': ['UPSTREAM_API_KEY', 'REDIS_URL', 'MODEL_ROUTES'],
  'pgw-policy': ['DATABASE_URL', 'ADMIN_TOKEN'],
  'pgw-audit': ['DATABASE_URL', 'ADMIN_TOKEN', 'ATTESTATION_PRIVATE_KEY'],
  'pgw-billing': ['DATABASE_URL', 'ADMIN_TOKEN'],
};

/**
 * The migration Job runs each service with MIGRATE_ONLY=true and expects it to exit after its migrations.
 * The apps do not implement that yet (requested from their owners); until a config class declares it, the
 * variable is tolerated on the Job only and a todo is reported.
 */
const MIGRATE_ONLY = 'MIGRATE_ONLY';

const CONFIGS = new Map<Service, AppConfig | undefined>(SERVICES.map((s) => [s, readAppConfig(s)]));
const CONFIGURED = SERVICES.filter((s) => CONFIGS.get(s) !== undefined);
const UNCONFIGURED = SERVICES.filter((s) => CONFIGS.get(s) === undefined);

/** Variables scripts/kafka/ensure-topics.js reads (the topic Job runs it). */
const TOPICS_SCRIPT_ENV = new Set(
  [...readRepoFile('scripts', 'kafka', 'ensure-topics.js').matchAll(/process\.env\.([A-Z0-9_]+)/g)].map(
    (m) => m[1],
  ),
);

/** Secret-bearing variable names: by name pattern, or marked "Secret" in a config class. */
function isSecretVar(name: string): boolean {
  if (SECRET_NAME.test(name)) return true;
  return [...CONFIGS.values()].some((config) => config?.vars.get(name)?.secret === true);
}

interface EnvSource {
  kind: 'value' | 'configMap' | 'secret' | 'field' | 'resource';
  value?: string;
  ref?: { name: string; key: string; optional: boolean };
}

/** The container's environment, with envFrom ConfigMaps expanded from the rendered objects. */
function resolveEnv(container: IContainer, objects: K8sObject[]): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  for (const from of container.envFrom ?? []) {
    if (from.secretRef)
      throw new Error(`${container.name}: envFrom.secretRef hides the variable names; use secretKeyRef`);
    const name = from.configMapRef?.name ?? '';
    const configMap = named<IConfigMap>(objects, 'ConfigMap', name);
    for (const [key, value] of Object.entries(configMap.data ?? {})) {
      env.set(`${from.prefix ?? ''}${key}`, {
        kind: 'configMap',
        value,
        ref: { name, key, optional: false },
      });
    }
  }
  for (const variable of container.env ?? []) {
    const source = variable.valueFrom;
    if (source?.secretKeyRef) {
      const { name = '', key, optional = false } = source.secretKeyRef;
      env.set(variable.name, { kind: 'secret', ref: { name, key, optional } });
    } else if (source?.configMapKeyRef) {
      const { name = '', key, optional = false } = source.configMapKeyRef;
      const value = named<IConfigMap>(objects, 'ConfigMap', name).data?.[key];
      env.set(variable.name, { kind: 'configMap', value, ref: { name, key, optional } });
    } else if (source?.fieldRef) env.set(variable.name, { kind: 'field' });
    else if (source?.resourceFieldRef) env.set(variable.name, { kind: 'resource' });
    else env.set(variable.name, { kind: 'value', value: variable.value ?? '' });
  }
  return env;
}

interface Workload {
  kind: 'Deployment' | 'Job';
  name: string;
  podLabels: Record<string, string>;
  pod: IPodSpec;
}

function workloads(objects: K8sObject[]): Workload[] {
  const deployments = ofKind<IDeployment>(objects, 'Deployment').map((d) => ({
    kind: 'Deployment' as const,
    name: d.metadata.name,
    podLabels: d.spec?.template.metadata?.labels ?? {},
    pod: d.spec?.template.spec as IPodSpec,
  }));
  const jobs = ofKind<IJob>(objects, 'Job').map((j) => ({
    kind: 'Job' as const,
    name: j.metadata.name,
    podLabels: j.spec?.template.metadata?.labels ?? {},
    pod: j.spec?.template.spec as IPodSpec,
  }));
  return [...deployments, ...jobs];
}

function allContainers(pod: IPodSpec): IContainer[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** The Deployment of a service and its one container. */
function serviceWorkload(
  objects: K8sObject[],
  service: Service,
): { deployment: IDeployment; container: IContainer } {
  const deployment = named<IDeployment>(objects, 'Deployment', `pgw-${service}`);
  const containers = deployment.spec?.template.spec?.containers ?? [];
  expect(containers).toHaveLength(1);
  return { deployment, container: containers[0] };
}

/** `pgw-<service>[:tag]` (base and dev) or `<registry>/<path>/<service>:tag` (prod). */
function imageRepository(image: string | undefined): string {
  const withoutDigest = (image ?? '').split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
}

function imageTag(image: string | undefined): string | undefined {
  const withoutDigest = (image ?? '').split('@')[0];
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : undefined;
}

function isImageOf(image: string | undefined, service: Service): boolean {
  const repository = imageRepository(image);
  return repository === `pgw-${service}` || repository.endsWith(`/${service}`);
}

/** A probe's port (number or container port name) as a number, if the container exposes it. */
function exposedPort(container: IContainer, port: string | number | undefined): number | undefined {
  const ports = container.ports ?? [];
  if (typeof port === 'number') return ports.some((p) => p.containerPort === port) ? port : undefined;
  return ports.find((p) => p.name === port)?.containerPort;
}

/** Problems with the container's (effective) securityContext against the restricted profile. */
function securityProblems(pod: IPodSpec, container: IContainer): string[] {
  const c = container.securityContext ?? {};
  const p = pod.securityContext ?? {};
  const problems: string[] = [];
  if ((c.runAsNonRoot ?? p.runAsNonRoot) !== true) problems.push('runAsNonRoot is not true');
  const uid = c.runAsUser ?? p.runAsUser;
  if (uid === 0) problems.push('runAsUser is 0');
  if (c.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
  if (c.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
  if (c.privileged === true) problems.push('privileged');
  if (!(c.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities.drop lacks ALL');
  if ((c.capabilities?.add ?? []).length > 0) problems.push('capabilities.add is not empty');
  if ((c.seccompProfile ?? p.seccompProfile)?.type !== 'RuntimeDefault')
    problems.push('seccompProfile is not RuntimeDefault');
  return problems;
}

/** emptyDir mount paths of a container. */
function emptyDirMounts(pod: IPodSpec, container: IContainer): string[] {
  const emptyDirs = new Set((pod.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name));
  return (container.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
}

function configVars(service: Service): AppConfig {
  const config = CONFIGS.get(service);
  if (!config) throw new Error(`apps/${service}/src/*.config.ts not found`);
  return config;
}

it('kubectl with kustomize is available to render the overlays', () => {
  expect(findKubectl()).not.toBeNull();
  console.log(`rendering with ${kubectlVersion()}`);
});

describe.each(Object.keys(OVERLAYS) as Overlay[])('overlay %s', (overlay) => {
  const namespace = OVERLAYS[overlay];
  let objects: K8sObject[];

  beforeAll(() => {
    objects = renderOverlay(overlay);
  });

  it('every rendered object is valid against the Kubernetes schema (kubernetes-models)', () => {
    expect(objects.length).toBeGreaterThan(0);
    const problems = objects
      .map((o) => [o, schemaProblem(o)] as const)
      .filter(([, problem]) => problem !== undefined)
      .map(([o, problem]) => `${o.kind}/${o.metadata.name}: ${problem}`);
    expect(problems).toEqual([]);
  });

  it('renders the expected objects, all in the overlay namespace, and no Secret', () => {
    const names = (kind: string) =>
      ofKind(objects, kind)
        .map((o) => o.metadata.name)
        .sort();
    expect(names('Namespace')).toEqual([namespace]);
    expect(names('Deployment')).toEqual(SERVICES.map((s) => `pgw-${s}`).sort());
    expect(names('Service')).toEqual(SERVICES.map((s) => `pgw-${s}`).sort());
    expect(names('HorizontalPodAutoscaler')).toEqual(['pgw-gateway']);
    expect(names('Job')).toEqual(['pgw-kafka-topics', 'pgw-migrate']);
    expect(names('NetworkPolicy').length).toBeGreaterThanOrEqual(3);
    expect(names('Secret')).toEqual([]);
    for (const o of objects) {
      if (o.kind !== 'Namespace')
        expect({ object: `${o.kind}/${o.metadata.name}`, ns: o.metadata.namespace }).toEqual({
          object: `${o.kind}/${o.metadata.name}`,
          ns: namespace,
        });
    }
  });

  it('the namespace enforces the restricted Pod Security Standard', () => {
    const ns = named<INamespace>(objects, 'Namespace', namespace);
    expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  describe.each(SERVICES)('%s', (service) => {
    const port = SERVICE_PORTS[service];

    it(`runs the ${service} image and exposes port ${port}, with PORT set to it`, () => {
      const { container } = serviceWorkload(objects, service);
      expect(isImageOf(container.image, service)).toBe(true);
      expect((container.ports ?? []).map((p) => p.containerPort)).toEqual([port]);
      expect(resolveEnv(container, objects).get('PORT')?.value).toBe(String(port));
    });

    it('probes readiness on /readyz and liveness on /healthz, on the port the container exposes', () => {
      const { container } = serviceWorkload(objects, service);
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        if (probe) expect(exposedPort(container, probe.httpGet?.port)).toBe(port);
      }
    });

    it('has a Service selecting its pods on the same port, and a PodDisruptionBudget', () => {
      const { deployment, container } = serviceWorkload(objects, service);
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      expect(selectorMatches(deployment.spec?.selector, podLabels)).toBe(true);
      const svc = named<IService>(objects, 'Service', `pgw-${service}`);
      expect(svc.spec?.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(selectorMatches({ matchLabels: svc.spec?.selector }, podLabels)).toBe(true);
      const [svcPort] = svc.spec?.ports ?? [];
      expect(svcPort.port).toBe(port);
      expect(exposedPort(container, svcPort.targetPort)).toBe(port);
      const pdbs = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').filter((p) =>
        selectorMatches(p.spec?.selector, podLabels),
      );
      expect(pdbs).toHaveLength(1);
    });

    const config = CONFIGS.get(service);
    if (!config) {
      it.todo(
        `${service}: env vs config class (apps/${service}/src/${service}.config.ts does not exist yet)`,
      );
      return;
    }

    it(`provides every required variable of ${config.files.join(', ')}`, () => {
      const env = resolveEnv(serviceWorkload(objects, service).container, objects);
      const missing = [...configVars(service).vars.values()]
        .filter((v) => v.required)
        .filter((v) => env.get(v.name) === undefined || env.get(v.name)?.ref?.optional === true)
        .map((v) => v.name);
      expect(missing).toEqual([]);
    });

    it('sets no variable the config class does not declare', () => {
      const env = resolveEnv(serviceWorkload(objects, service).container, objects);
      const unknown = [...env.keys()].filter((name) => !configVars(service).vars.has(name));
      expect(unknown).toEqual([]);
    });
  });

  it('every workload container (Deployments and Jobs) has requests and limits, limits >= requests', () => {
    const problems: string[] = [];
    for (const w of workloads(objects)) {
      for (const c of allContainers(w.pod)) {
        for (const resource of ['cpu', 'memory']) {
          const request = quantity(c.resources?.requests?.[resource]);
          const limit = quantity(c.resources?.limits?.[resource]);
          if (!(request > 0)) problems.push(`${w.name}/${c.name}: no ${resource} request`);
          if (!(limit > 0)) problems.push(`${w.name}/${c.name}: no ${resource} limit`);
          if (limit < request) problems.push(`${w.name}/${c.name}: ${resource} limit < request`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every workload container runs restricted: non-root, read-only root fs, no escalation, no caps, RuntimeDefault', () => {
    const problems: string[] = [];
    for (const w of workloads(objects)) {
      if (w.pod.automountServiceAccountToken !== false)
        problems.push(`${w.name}: service account token mounted`);
      if (w.pod.hostNetwork || w.pod.hostPID || w.pod.hostIPC) problems.push(`${w.name}: host namespaces`);
      for (const c of allContainers(w.pod)) {
        for (const p of securityProblems(w.pod, c)) problems.push(`${w.name}/${c.name}: ${p}`);
        if (!emptyDirMounts(w.pod, c).includes('/tmp'))
          problems.push(`${w.name}/${c.name}: /tmp is not an emptyDir`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the gateway spills to an emptyDir (SPILL_DIR) named after the pod, and is scaled by its HPA', () => {
    const { deployment, container } = serviceWorkload(objects, 'gateway');
    const env = resolveEnv(container, objects);
    const spillDir = env.get('SPILL_DIR')?.value ?? '';
    expect(emptyDirMounts(deployment.spec?.template.spec as IPodSpec, container)).toContain(spillDir);
    expect(container.env?.find((e) => e.name === 'INSTANCE_ID')?.valueFrom?.fieldRef?.fieldPath).toBe(
      'metadata.name',
    );
    const hpa = named<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'pgw-gateway');
    expect(hpa.spec?.scaleTargetRef).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'pgw-gateway',
    });
    // The HPA owns the replica count: a `replicas` in the Deployment would reset it on every apply.
    expect(deployment.spec?.replicas).toBeUndefined();
    const pdb = named<IPodDisruptionBudget>(objects, 'PodDisruptionBudget', 'pgw-gateway');
    const minReplicas = hpa.spec?.minReplicas ?? 1;
    // A drain must be able to evict at least one gateway pod at the HPA's minimum.
    if (pdb.spec?.minAvailable !== undefined) expect(Number(pdb.spec.minAvailable)).toBeLessThan(minReplicas);
    else expect(Number(pdb.spec?.maxUnavailable)).toBeGreaterThanOrEqual(1);
  });

  it('no secret literal: secret-bearing variables come from secretKeyRef, ConfigMaps hold no secrets', () => {
    const problems: string[] = [];
    for (const w of workloads(objects)) {
      for (const c of allContainers(w.pod)) {
        for (const [name, source] of resolveEnv(c, objects)) {
          if (isSecretVar(name) && source.kind !== 'secret')
            problems.push(`${w.name}/${c.name}: ${name} is a ${source.kind}`);
        }
      }
    }
    for (const cm of ofKind<IConfigMap>(objects, 'ConfigMap')) {
      for (const [key, value] of Object.entries(cm.data ?? {})) {
        if (isSecretVar(key)) problems.push(`ConfigMap ${cm.metadata.name}: key ${key}`);
        if (/:\/\/[^/\s]*:[^/\s]*@/.test(value))
          problems.push(`ConfigMap ${cm.metadata.name}: ${key} has URL credentials`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('references only the documented pre-created Secrets, and ConfigMap keys that exist', () => {
    const problems: string[] = [];
    const docs = repoFileExists('docs', 'deployment.md') ? readRepoFile('docs', 'deployment.md') : '';
    for (const w of workloads(objects)) {
      for (const c of allContainers(w.pod)) {
        for (const [name, source] of resolveEnv(c, objects)) {
          if (source.kind === 'secret' && source.ref) {
            const keys = PRE_CREATED_SECRETS[source.ref.name];
            if (!keys?.includes(source.ref.key))
              problems.push(`${w.name}/${c.name}: ${name} from ${source.ref.name}/${source.ref.key}`);
          }
          if (source.kind === 'configMap' && source.value === undefined)
            problems.push(`${w.name}/${c.name}: ${name} missing key`);
        }
      }
    }
    for (const [secret, keys] of Object.entries(PRE_CREATED_SECRETS)) {
      if (!docs.includes(secret)) problems.push(`docs/deployment.md does not mention Secret ${secret}`);
      for (const key of keys)
        if (!docs.includes(key)) problems.push(`docs/deployment.md does not mention ${key}`);
    }
    expect(problems).toEqual([]);
  });

  it('NetworkPolicies: default deny; admin ports only from this namespace or labelled admin namespaces', () => {
    const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
    expect(
      policies.some(
        (p) =>
          isEmptySelector(p.spec?.podSelector) &&
          (p.spec?.policyTypes ?? []).includes('Ingress') &&
          (p.spec?.ingress ?? []).length === 0,
      ),
    ).toBe(true);
    for (const service of DATABASE_SERVICES) {
      const { deployment } = serviceWorkload(objects, service);
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      const selecting = policies.filter((p) => selectorMatches(p.spec?.podSelector, podLabels));
      const rules = selecting.flatMap((p) => p.spec?.ingress ?? []);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        // An empty `from` means "from anywhere".
        expect((rule.from ?? []).length).toBeGreaterThan(0);
        for (const peer of rule.from ?? []) {
          expect(peer.ipBlock).toBeUndefined();
          // namespaceSelector {} would mean every namespace: it must select by label.
          if (peer.namespaceSelector !== undefined)
            expect(isEmptySelector(peer.namespaceSelector)).toBe(false);
        }
        expect((rule.ports ?? []).map((p) => p.port)).toContain(SERVICE_PORTS[service]);
      }
    }
    const gatewayLabels =
      serviceWorkload(objects, 'gateway').deployment.spec?.template.metadata?.labels ?? {};
    const gatewayRules = policies
      .filter((p) => selectorMatches(p.spec?.podSelector, gatewayLabels))
      .flatMap((p) => p.spec?.ingress ?? []);
    expect(gatewayRules.flatMap((r) => (r.ports ?? []).map((p) => p.port))).toContain(SERVICE_PORTS.gateway);
    // The gateway rules open only the gateway's port, never an admin port.
    expect(gatewayRules.every((r) => (r.ports ?? []).length > 0)).toBe(true);
    expect(gatewayRules.flatMap((r) => (r.ports ?? []).map((p) => p.port))).toEqual(
      gatewayRules.flatMap((r) => (r.ports ?? []).map(() => SERVICE_PORTS.gateway)),
    );
  });

  it('the migration Job migrates each database service with its own image, and the Deployments do not', () => {
    const job = named<IJob>(objects, 'Job', 'pgw-migrate');
    const pod = job.spec?.template.spec as IPodSpec;
    expect(['Never', 'OnFailure']).toContain(pod.restartPolicy);
    expect(job.spec?.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(pod.containers.map((c) => c.name).sort()).toEqual(
      DATABASE_SERVICES.map((s) => `migrate-${s}`).sort(),
    );
    for (const service of DATABASE_SERVICES) {
      const container = pod.containers.find((c) => c.name === `migrate-${service}`) as IContainer;
      expect(isImageOf(container.image, service)).toBe(true);
      expect(container.image).toBe(serviceWorkload(objects, service).container.image);
      const env = resolveEnv(container, objects);
      expect(env.get(MIGRATE_ONLY)?.value).toBe('true');
      expect(env.get('RUN_MIGRATIONS')?.value).toBe('true');
      expect(
        resolveEnv(serviceWorkload(objects, service).container, objects).get('RUN_MIGRATIONS')?.value,
      ).toBe('false');
      const config = CONFIGS.get(service);
      if (config) {
        const required = [...config.vars.values()].filter((v) => v.required).map((v) => v.name);
        expect(required.filter((name) => !env.has(name))).toEqual([]);
        const known = new Set([...config.vars.keys(), MIGRATE_ONLY]);
        expect([...env.keys()].filter((name) => !known.has(name))).toEqual([]);
      }
    }
  });

  it('the topic Job runs scripts/kafka/ensure-topics.js from an app image, with variables the script reads', () => {
    const job = named<IJob>(objects, 'Job', 'pgw-kafka-topics');
    const [container] = job.spec?.template.spec?.containers ?? [];
    expect(container.command).toEqual(['node', 'scripts/kafka/ensure-topics.js']);
    expect(SERVICES.some((s) => isImageOf(container.image, s))).toBe(true);
    const env = resolveEnv(container, objects);
    expect(env.get('KAFKA_BROKERS')?.kind).toBe('configMap');
    expect([...env.keys()].filter((name) => !TOPICS_SCRIPT_ENV.has(name))).toEqual([]);
  });

  if (overlay === 'prod') {
    it('prod: pinned image tags, 2+ replicas of every service, gateway reachable only from labelled namespaces', () => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.pod)) {
          const tag = imageTag(c.image);
          expect({
            image: c.image,
            pinned: tag !== undefined && !['latest', 'dev', 'local'].includes(tag),
          }).toEqual({
            image: c.image,
            pinned: true,
          });
          expect(c.imagePullPolicy).toBe('IfNotPresent');
        }
      }
      for (const service of DATABASE_SERVICES) {
        expect(serviceWorkload(objects, service).deployment.spec?.replicas).toBeGreaterThanOrEqual(2);
      }
      expect(
        named<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'pgw-gateway').spec?.minReplicas,
      ).toBeGreaterThanOrEqual(3);
      const gatewayLabels =
        serviceWorkload(objects, 'gateway').deployment.spec?.template.metadata?.labels ?? {};
      for (const rule of ofKind<INetworkPolicy>(objects, 'NetworkPolicy')
        .filter((p) => selectorMatches(p.spec?.podSelector, gatewayLabels))
        .flatMap((p) => p.spec?.ingress ?? [])) {
        expect((rule.from ?? []).length).toBeGreaterThan(0);
        for (const peer of rule.from ?? []) {
          if (peer.namespaceSelector !== undefined)
            expect(isEmptySelector(peer.namespaceSelector)).toBe(false);
        }
      }
    });
  }
});

describe('prod compared with dev', () => {
  let dev: K8sObject[];
  let prod: K8sObject[];

  beforeAll(() => {
    dev = renderOverlay('dev');
    prod = renderOverlay('prod');
  });

  it.each(SERVICES)(
    '%s: prod limits and requests are at least dev ones, and higher for the gateway',
    (service) => {
      const d = serviceWorkload(dev, service).container.resources;
      const p = serviceWorkload(prod, service).container.resources;
      for (const resource of ['cpu', 'memory']) {
        expect(quantity(p?.limits?.[resource])).toBeGreaterThanOrEqual(quantity(d?.limits?.[resource]));
        expect(quantity(p?.requests?.[resource])).toBeGreaterThanOrEqual(quantity(d?.requests?.[resource]));
      }
      if (service === 'gateway') expect(quantity(p?.limits?.cpu)).toBeGreaterThan(quantity(d?.limits?.cpu));
    },
  );

  it('prod runs more gateway replicas at minimum', () => {
    const min = (objects: K8sObject[]) =>
      named<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'pgw-gateway').spec?.minReplicas ??
      1;
    expect(min(prod)).toBeGreaterThan(min(dev));
  });
});

describe('app config classes (read from apps/*/src/*.config.ts)', () => {
  it('are found for the deployed services', () => {
    console.log(
      `config classes parsed: ${CONFIGURED.join(', ') || 'none'}; not yet written: ${UNCONFIGURED.join(', ') || 'none'}`,
    );
    expect(CONFIGURED.length).toBeGreaterThan(0);
  });

  for (const service of DATABASE_SERVICES) {
    const config = CONFIGS.get(service);
    if (config?.vars.has(MIGRATE_ONLY)) {
      it(`${service} declares ${MIGRATE_ONLY} (the migration Job relies on it)`, () => {
        expect(config.vars.get(MIGRATE_ONLY)?.required).toBe(false);
      });
    } else {
      it.todo(`${service}: exit after migrations when ${MIGRATE_ONLY}=true (the migration Job assumes it)`);
    }
  }
});

// Renders the kustomize overlays (k8s/overlays/dev and prod) offline with `kubectl kustomize`, validates
// every object against the Kubernetes schemas (kubernetes-models: types, required fields, enums; unknown
// fields rejected through the TypeScript models), and checks what a schema cannot: probes on the ports the
// containers expose, metrics on their own port, requests/limits, the restricted securityContext, env names
// consistent with the apps' config classes, no secret literals, ingress and egress NetworkPolicies, the
// gateway's per-pod spill claim and grace period, migrations in init containers, the topic Job.
// What only a cluster can show (admission, NetworkPolicy enforcement, PVC binding) is listed in
// docs/deployment.md, "What was verified here".
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
  type IServiceAccount,
  type IServiceMonitor,
  type IStatefulSet,
  type K8sObject,
} from './support/render';
import { unknownFieldProblems } from './support/strict-schema';
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

/** The migrate init container runs each database service with it: migrate (under the advisory lock), exit. */
const MIGRATE_ONLY = 'MIGRATE_ONLY';

/** Each service's internal metrics port (METRICS_PORT); policy has no metrics registry. */
const METRICS_PORTS: Partial<Record<Service, number>> = { gateway: 9090, audit: 9092, billing: 9093 };

/** The cloud metadata endpoint (node credentials): no egress rule may reach it. */
const METADATA_IP = '169.254.169.254';

const CONFIGS = new Map<Service, AppConfig | undefined>(SERVICES.map((s) => [s, readAppConfig(s)]));
const CONFIGURED = SERVICES.filter((s) => CONFIGS.get(s) !== undefined);
const UNCONFIGURED = SERVICES.filter((s) => CONFIGS.get(s) === undefined);

/** Variables scripts/kafka/ensure-topics.js reads (the topic Job runs it): process.env.X and intEnv('X'). */
const TOPICS_SCRIPT_ENV = new Set([
  ...[
    ...readRepoFile('scripts', 'kafka', 'ensure-topics.js').matchAll(
      /process\.env\.([A-Z0-9_]+)|intEnv\('([A-Z0-9_]+)'/g,
    ),
  ].map((m) => m[1] ?? m[2]),
  // It reads the Kafka security variables through the services' own builder (KAFKA_SECURITY_VARIABLES).
  ...[
    ...(
      readRepoFile('libs', 'messaging', 'src', 'kafka', 'kafka-security.ts').match(
        /KAFKA_SECURITY_VARIABLES = \[([^\]]*)\]/,
      )?.[1] ?? ''
    ).matchAll(/'([A-Z0-9_]+)'/g),
  ].map((m) => m[1]),
]);

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
  kind: 'Deployment' | 'StatefulSet' | 'Job';
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
  const statefulSets = ofKind<IStatefulSet>(objects, 'StatefulSet').map((d) => ({
    kind: 'StatefulSet' as const,
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
  return [...deployments, ...statefulSets, ...jobs];
}

function allContainers(pod: IPodSpec): IContainer[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** The gateway runs as a StatefulSet (a spill claim per pod); the admin services as Deployments. */
const WORKLOAD_KIND: Record<Service, 'Deployment' | 'StatefulSet'> = {
  gateway: 'StatefulSet',
  policy: 'Deployment',
  audit: 'Deployment',
  billing: 'Deployment',
};

/** The workload (Deployment or StatefulSet) of a service and its one container. */
function serviceWorkload(
  objects: K8sObject[],
  service: Service,
): { deployment: IDeployment | IStatefulSet; container: IContainer; pod: IPodSpec } {
  const deployment = named<IDeployment | IStatefulSet>(objects, WORKLOAD_KIND[service], `pgw-${service}`);
  const pod = deployment.spec?.template.spec as IPodSpec;
  expect(pod.containers).toHaveLength(1);
  return { deployment, container: pod.containers[0], pod };
}

/** The generated (hash-suffixed) name of a ConfigMap from the generator's name. */
function configMapName(objects: K8sObject[], base: string): string {
  const found = ofKind<IConfigMap>(objects, 'ConfigMap').find((cm) =>
    new RegExp(`^${base}(-[a-z0-9]{10})?$`).test(cm.metadata.name),
  );
  if (!found) throw new Error(`ConfigMap ${base} not rendered`);
  return found.metadata.name;
}

/** Parses a CIDR (IPv4) to [network, mask] as unsigned 32-bit numbers. */
function cidr(value: string): [number, number] | null {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(value);
  if (!match) return null;
  const ip = match.slice(1, 5).reduce((acc, part) => acc * 256 + Number(part), 0);
  const bits = Number(match[5]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [(ip & mask) >>> 0, mask];
}

function inCidr(ip: string, range: string): boolean {
  const parsed = cidr(range);
  const [address] = cidr(`${ip}/32`) ?? [NaN];
  return parsed !== null && (address & parsed[1]) >>> 0 === parsed[0];
}

/** Egress rules of the policies selecting these pod labels (Egress in policyTypes). */
function egressRules(policies: INetworkPolicy[], labels: Record<string, string>) {
  return policies
    .filter((p) => (p.spec?.policyTypes ?? []).includes('Egress'))
    .filter((p) => selectorMatches(p.spec?.podSelector, labels))
    .flatMap((p) => p.spec?.egress ?? []);
}

/** Ports a pod may reach by egress, as "port/protocol". */
function egressPorts(policies: INetworkPolicy[], labels: Record<string, string>): string[] {
  return egressRules(policies, labels).flatMap((r) =>
    (r.ports ?? []).map((p) => `${String(p.port)}/${p.protocol ?? 'TCP'}`),
  );
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

describe('strict schema (unknown fields rejected)', () => {
  it('the check itself rejects a misspelt field at any depth and a field in the wrong place', () => {
    const problems = unknownFieldProblems([
      {
        label: 'bad Deployment',
        object: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'x' },
          spec: {
            selector: {},
            template: { spec: { containers: [{ name: 'c', image: 'i', imagePullPolicyy: 'Always' }] } },
          },
        } as K8sObject,
      },
      {
        label: 'bad NetworkPolicy',
        object: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'x' },
          spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], port: 443 }] },
        } as K8sObject,
      },
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^bad Deployment: .*'"imagePullPolicyy"' does not exist/);
    expect(problems[1]).toMatch(/^bad NetworkPolicy: .*'"port"' does not exist/);
  });

  it('every rendered object of both overlays has only fields the Kubernetes schema knows', () => {
    const inputs = (Object.keys(OVERLAYS) as Overlay[]).flatMap((overlay) =>
      renderOverlay(overlay).map((object) => ({
        label: `${overlay} ${object.kind}/${object.metadata.name}`,
        object,
      })),
    );
    expect(inputs.length).toBeGreaterThan(20);
    expect(unknownFieldProblems(inputs)).toEqual([]);
  });
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
    expect(names('StatefulSet')).toEqual(['pgw-gateway']);
    expect(names('Deployment')).toEqual(DATABASE_SERVICES.map((s) => `pgw-${s}`).sort());
    expect(names('Service')).toEqual([...SERVICES.map((s) => `pgw-${s}`), 'pgw-gateway-pods'].sort());
    expect(names('HorizontalPodAutoscaler')).toEqual(['pgw-gateway']);
    // Migrations run in init containers; a Job (immutable once run) is left for the topics only.
    expect(names('Job')).toEqual(['pgw-kafka-topics']);
    expect(names('ServiceMonitor')).toEqual(overlay === 'prod' ? ['pgw'] : []);
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
    const metricsPort = METRICS_PORTS[service];

    it(`runs the ${service} image and exposes port ${port} (PORT) and its metrics port (METRICS_PORT)`, () => {
      const { container } = serviceWorkload(objects, service);
      expect(isImageOf(container.image, service)).toBe(true);
      const ports = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      expect(ports).toEqual(metricsPort ? { http: port, metrics: metricsPort } : { http: port });
      const env = resolveEnv(container, objects);
      expect(env.get('PORT')?.value).toBe(String(port));
      expect(env.get('METRICS_PORT')?.value).toBe(metricsPort ? String(metricsPort) : undefined);
    });

    it('probes readiness on /readyz and liveness on /healthz, on the port the container exposes', () => {
      const { container } = serviceWorkload(objects, service);
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        if (probe) expect(exposedPort(container, probe.httpGet?.port)).toBe(port);
      }
    });

    it('has a Service on its port (never the metrics port on the API Service), and a PodDisruptionBudget', () => {
      const { deployment, container } = serviceWorkload(objects, service);
      const podLabels = deployment.spec?.template.metadata?.labels ?? {};
      expect(selectorMatches(deployment.spec?.selector, podLabels)).toBe(true);
      const svc = named<IService>(objects, 'Service', `pgw-${service}`);
      expect(svc.spec?.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(selectorMatches({ matchLabels: svc.spec?.selector }, podLabels)).toBe(true);
      const [svcPort] = svc.spec?.ports ?? [];
      expect(svcPort.port).toBe(port);
      expect(exposedPort(container, svcPort.targetPort)).toBe(port);
      if (service === 'gateway') expect(svc.spec?.ports).toHaveLength(1); // what the ingress routes to
      const pdbs = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').filter((p) =>
        selectorMatches(p.spec?.selector, podLabels),
      );
      expect(pdbs).toHaveLength(1);
    });

    if (metricsPort) {
      it('is scraped on its metrics port: a labelled Service port named metrics, and pod annotations', () => {
        const { deployment, container } = serviceWorkload(objects, service);
        const podLabels = deployment.spec?.template.metadata?.labels ?? {};
        const scraped = ofKind<IService>(objects, 'Service').filter(
          (svc) =>
            svc.metadata.labels?.['policy-gateway.io/metrics'] === 'true' &&
            selectorMatches({ matchLabels: svc.spec?.selector }, podLabels),
        );
        expect(scraped).toHaveLength(1);
        const metricsServicePort = scraped[0].spec?.ports?.find((p) => p.name === 'metrics');
        expect(exposedPort(container, metricsServicePort?.targetPort)).toBe(metricsPort);
        expect(deployment.spec?.template.metadata?.annotations).toMatchObject({
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(metricsPort),
          'prometheus.io/path': '/metrics',
        });
      });
    }

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

  it("no container overrides the image's entrypoint (tini stays PID 1: signals forwarded, zombies reaped)", () => {
    const overriding = workloads(objects).flatMap((w) =>
      allContainers(w.pod)
        .filter((c) => c.command !== undefined)
        .map((c) => `${w.name}/${c.name}`),
    );
    expect(overriding).toEqual([]);
  });

  it('the gateway spills to a claim per pod (StatefulSet), named after the stable pod name, kept on scale-down', () => {
    const { deployment, container } = serviceWorkload(objects, 'gateway');
    const gateway = deployment as IStatefulSet;
    const env = resolveEnv(container, objects);
    const spillDir = env.get('SPILL_DIR')?.value ?? '';
    const claims = (gateway.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name);
    const spillMount = (container.volumeMounts ?? []).find((m) => m.mountPath === spillDir);
    expect(spillMount).toBeDefined();
    expect(claims).toContain(spillMount?.name);
    expect((gateway.spec?.template.spec?.volumes ?? []).map((v) => v.name)).not.toContain(spillMount?.name);
    expect(gateway.spec?.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
    expect(container.env?.find((e) => e.name === 'INSTANCE_ID')?.valueFrom?.fieldRef?.fieldPath).toBe(
      'metadata.name',
    );
    const governing = named<IService>(objects, 'Service', gateway.spec?.serviceName ?? '');
    expect(governing.spec?.clusterIP).toBe('None');
    const hpa = named<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'pgw-gateway');
    expect(hpa.spec?.scaleTargetRef).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'pgw-gateway',
    });
    // The HPA owns the replica count: a `replicas` in the StatefulSet would reset it on every apply.
    expect(gateway.spec?.replicas).toBeUndefined();
    const pdb = named<IPodDisruptionBudget>(objects, 'PodDisruptionBudget', 'pgw-gateway');
    const minReplicas = hpa.spec?.minReplicas ?? 1;
    // A drain must be able to evict at least one gateway pod at the HPA's minimum.
    if (pdb.spec?.minAvailable !== undefined) expect(Number(pdb.spec.minAvailable)).toBeLessThan(minReplicas);
    else expect(Number(pdb.spec?.maxUnavailable)).toBeGreaterThanOrEqual(1);
  });

  it("the gateway's grace period covers preStop + the longest stream (UPSTREAM_MAX_DURATION_MS) + the shutdown drain", () => {
    const { pod, container } = serviceWorkload(objects, 'gateway');
    const env = resolveEnv(container, objects);
    const maxStreamMs = Number(env.get('UPSTREAM_MAX_DURATION_MS')?.value);
    const drainMs = Number(env.get('SHUTDOWN_DRAIN_TIMEOUT_MS')?.value);
    const preStop = Number(container.lifecycle?.preStop?.sleep?.seconds ?? 0);
    expect(maxStreamMs).toBeGreaterThan(0);
    expect(drainMs).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      preStop + Math.ceil(maxStreamMs / 1000) + Math.ceil(drainMs / 1000),
    );
    // ...and the upstream silence timeout fits inside the overall bound.
    expect(Number(env.get('UPSTREAM_TIMEOUT_MS')?.value)).toBeLessThanOrEqual(maxStreamMs);
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

  it('NetworkPolicies: default deny both ways; admin and metrics ports only from labelled namespaces, never from the gateway', () => {
    const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
    expect(
      policies.some(
        (p) =>
          isEmptySelector(p.spec?.podSelector) &&
          (['Ingress', 'Egress'] as const).every((t) => (p.spec?.policyTypes ?? []).includes(t)) &&
          (p.spec?.ingress ?? []).length === 0 &&
          (p.spec?.egress ?? []).length === 0,
      ),
    ).toBe(true);
    const gatewayLabels =
      serviceWorkload(objects, 'gateway').deployment.spec?.template.metadata?.labels ?? {};
    const restrictedPorts = [
      ...DATABASE_SERVICES.map((s) => SERVICE_PORTS[s]),
      ...Object.values(METRICS_PORTS),
    ] as (number | string)[];
    for (const policy of policies) {
      for (const rule of policy.spec?.ingress ?? []) {
        const ports = (rule.ports ?? []).map((p) => p.port);
        if (!ports.some((p) => restrictedPorts.includes(p as number))) continue;
        expect({ policy: policy.metadata.name, peers: (rule.from ?? []).length > 0 }).toEqual({
          policy: policy.metadata.name,
          peers: true,
        });
        for (const peer of rule.from ?? []) {
          expect(peer.ipBlock).toBeUndefined();
          // Every peer names labelled namespaces: a bare podSelector would let this namespace's pods in,
          // the public-facing gateway included; namespaceSelector {} would mean every namespace.
          expect(peer.namespaceSelector).toBeDefined();
          expect(isEmptySelector(peer.namespaceSelector)).toBe(false);
          if (peer.namespaceSelector && !peer.podSelector)
            expect(Object.keys(peer.namespaceSelector.matchLabels ?? {})).not.toContain(
              'kubernetes.io/metadata.name',
            );
        }
      }
    }
    for (const service of DATABASE_SERVICES) {
      const labels = serviceWorkload(objects, service).deployment.spec?.template.metadata?.labels ?? {};
      const rules = policies
        .filter((p) => selectorMatches(p.spec?.podSelector, labels))
        .flatMap((p) => p.spec?.ingress ?? []);
      expect(rules.flatMap((r) => (r.ports ?? []).map((p) => p.port))).toContain(SERVICE_PORTS[service]);
    }
    const gatewayRules = policies
      .filter((p) => selectorMatches(p.spec?.podSelector, gatewayLabels))
      .flatMap((p) => p.spec?.ingress ?? []);
    const gatewayPorts = gatewayRules.flatMap((r) => (r.ports ?? []).map((p) => p.port));
    expect(gatewayPorts).toContain(SERVICE_PORTS.gateway);
    expect(gatewayRules.every((r) => (r.ports ?? []).length > 0)).toBe(true);
    // Never an admin port on the gateway's pods.
    expect(gatewayPorts.filter((p) => DATABASE_SERVICES.some((s) => SERVICE_PORTS[s] === p))).toEqual([]);
  });

  it('egress: DNS for all; Kafka, Postgres, Redis and HTTPS upstreams only where needed; metadata endpoint never', () => {
    const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
    const expected: Record<string, string[]> = {
      'pgw-gateway': ['53/UDP', '53/TCP', '9092/TCP', '6379/TCP', '443/TCP'],
      'pgw-policy': ['53/UDP', '53/TCP', '9092/TCP', '5432/TCP'],
      'pgw-audit': ['53/UDP', '53/TCP', '9092/TCP', '5432/TCP'],
      'pgw-billing': ['53/UDP', '53/TCP', '9092/TCP', '5432/TCP'],
      'pgw-kafka-topics': ['53/UDP', '53/TCP', '9092/TCP'],
    };
    for (const w of workloads(objects)) {
      expect({ workload: w.name, ports: egressPorts(policies, w.podLabels).sort() }).toEqual({
        workload: w.name,
        ports: (expected[w.name] ?? []).sort(),
      });
      for (const rule of egressRules(policies, w.podLabels)) {
        // An empty `to` would mean anywhere.
        expect((rule.to ?? []).length).toBeGreaterThan(0);
        for (const peer of rule.to ?? []) {
          if (!peer.ipBlock) continue;
          const reachesMetadata =
            inCidr(METADATA_IP, peer.ipBlock.cidr) &&
            !(peer.ipBlock.except ?? []).some((range) => inCidr(METADATA_IP, range));
          expect({ workload: w.name, cidr: peer.ipBlock.cidr, reachesMetadata }).toEqual({
            workload: w.name,
            cidr: peer.ipBlock.cidr,
            reachesMetadata: false,
          });
        }
      }
    }
  });

  it('the Kafka egress rule allows the namespace KAFKA_BROKERS points at', () => {
    const brokers = named<IConfigMap>(objects, 'ConfigMap', configMapName(objects, 'pgw-common')).data
      ?.KAFKA_BROKERS;
    const namespaces = new Set(
      (brokers ?? '').split(',').map((broker) => /^[^.:]+\.([^.:]+)\.svc\b/.exec(broker)?.[1]),
    );
    const allowed = ofKind<INetworkPolicy>(objects, 'NetworkPolicy')
      .filter((p) => p.metadata.name === 'pgw-egress-kafka')
      .flatMap((p) => p.spec?.egress ?? [])
      .flatMap((rule) => rule.to ?? [])
      .map((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']);
    expect([...namespaces].filter((ns) => !allowed.includes(ns))).toEqual([]);
  });

  it('each database service migrates in an init container with its own image before its server starts', () => {
    for (const service of DATABASE_SERVICES) {
      const { pod, container } = serviceWorkload(objects, service);
      const init = pod.initContainers ?? [];
      expect(init.map((c) => c.name)).toEqual(['migrate']);
      // Same image (same version) as the server: the schema is the new version's when it starts.
      expect(init[0].image).toBe(container.image);
      const env = resolveEnv(init[0], objects);
      expect(env.get(MIGRATE_ONLY)?.value).toBe('true');
      expect(resolveEnv(container, objects).get('RUN_MIGRATIONS')?.value).toBe('false');
      const config = configVars(service);
      const required = [...config.vars.values()].filter((v) => v.required).map((v) => v.name);
      expect(required.filter((name) => !env.has(name))).toEqual([]);
      expect([...env.keys()].filter((name) => !config.vars.has(name))).toEqual([]);
    }
  });

  it('the topic Job runs scripts/kafka/ensure-topics.js from an app image, with variables the script reads', () => {
    const job = named<IJob>(objects, 'Job', 'pgw-kafka-topics');
    const [container] = job.spec?.template.spec?.containers ?? [];
    expect(container.args).toEqual(['node', 'scripts/kafka/ensure-topics.js']);
    expect(SERVICES.some((s) => isImageOf(container.image, s))).toBe(true);
    const env = resolveEnv(container, objects);
    expect(env.get('KAFKA_BROKERS')?.kind).toBe('configMap');
    expect(Number(env.get('KAFKA_REPLICATION_FACTOR')?.value)).toBe(overlay === 'prod' ? 3 : 1);
    expect([...env.keys()].filter((name) => !TOPICS_SCRIPT_ENV.has(name))).toEqual([]);
    // Never applied over an operator's settings by default.
    expect(env.get('KAFKA_TOPICS_APPLY')).toBeUndefined();
  });

  if (overlay === 'prod') {
    it('prod: images pinned by tag and digest, pulled with a Secret, 2+ replicas, gateway only from labelled namespaces', () => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.pod)) {
          const tag = imageTag(c.image);
          expect({
            image: c.image,
            pinned: tag !== undefined && !['latest', 'dev', 'local'].includes(tag),
            digest: /@sha256:[0-9a-f]{64}$/.test(c.image ?? ''),
          }).toEqual({ image: c.image, pinned: true, digest: true });
          expect(c.imagePullPolicy).toBe('IfNotPresent');
        }
        expect(w.pod.serviceAccountName).toBe('pgw');
      }
      const account = named<IServiceAccount>(objects, 'ServiceAccount', 'pgw');
      expect(account.imagePullSecrets?.map((s) => s.name)).toEqual(['pgw-registry']);
      for (const service of DATABASE_SERVICES) {
        expect(
          (serviceWorkload(objects, service).deployment as IDeployment).spec?.replicas,
        ).toBeGreaterThanOrEqual(2);
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
          expect(peer.namespaceSelector).toBeDefined();
          expect(isEmptySelector(peer.namespaceSelector)).toBe(false);
        }
      }
      const monitor = named<IServiceMonitor>(objects, 'ServiceMonitor', 'pgw');
      const scraped = ofKind<IService>(objects, 'Service').filter((svc) =>
        selectorMatches(monitor.spec.selector, svc.metadata.labels ?? {}),
      );
      expect(scraped.map((svc) => svc.metadata.name).sort()).toEqual([
        'pgw-audit',
        'pgw-billing',
        'pgw-gateway-pods',
      ]);
      for (const svc of scraped) expect(svc.spec?.ports?.map((p) => p.name)).toContain('metrics');
      expect(monitor.spec.endpoints?.map((e) => e.port)).toEqual(['metrics']);
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

  it.each(DATABASE_SERVICES)(
    '%s declares MIGRATE_ONLY (the migrate init container relies on it)',
    (service) => {
      expect(configVars(service).vars.get(MIGRATE_ONLY)?.required).toBe(false);
    },
  );

  it.each(Object.keys(METRICS_PORTS) as Service[])('%s declares METRICS_PORT', (service) => {
    expect(configVars(service).vars.get('METRICS_PORT')?.required).toBe(false);
  });
});

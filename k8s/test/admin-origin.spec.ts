import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { findKubectl, ofKind, renderOverlay, type IService, type K8sObject } from './support/render';
import { repoPath } from './support/workspace';

/**
 * One admin origin per deployment shape (docs/console.md): the opt-in admin Ingress of Kubernetes
 * (k8s/components/admin-ingress) and the admin proxy of compose (docker/compose.admin.yml), both routing the
 * console and the admin APIs by path prefix to the service that owns each.
 */
const ROUTES: Record<string, 'policy' | 'audit' | 'billing'> = {
  '/console': 'policy',
  '/console/assets/index.js': 'policy',
  '/admin/v1/projects': 'policy',
  '/admin/v1/plans': 'policy',
  '/admin/v1/audit/decisions': 'audit',
  '/admin/v1/audit/export': 'audit',
  '/admin/v1/billing/prices': 'billing',
  '/admin/v1/billing/projects/p1/budget': 'billing',
};

function renderWithComponent(overlay: string, namespace: string): K8sObject[] {
  const binary = findKubectl();
  if (!binary) throw new Error('kubectl not found (set KUBECTL): the admin ingress cannot be rendered');
  const dir = mkdtempSync(join(tmpdir(), 'pgw-admin-ingress-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        // As in an overlay that lists the component: its objects land in the overlay's namespace.
        `namespace: ${namespace}`,
        'resources:',
        `  - ${relative(dir, repoPath('k8s', 'overlays', overlay))}`,
        'components:',
        `  - ${relative(dir, repoPath('k8s', 'components', 'admin-ingress'))}`,
        '',
      ].join('\n'),
    );
    const yaml = execFileSync(binary, ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', dir], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return loadAll(yaml).filter((doc): doc is K8sObject => doc !== null && typeof doc === 'object');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The backend service of a request path: the longest matching Prefix path wins, as Ingress specifies. */
function serviceFor(ingress: IIngress, path: string): string | undefined {
  const paths = ingress.spec?.rules?.flatMap((rule) => rule.http?.paths ?? []) ?? [];
  const matches = paths.filter((entry) => path === entry.path || path.startsWith(`${entry.path}/`));
  matches.sort((a, b) => (b.path?.length ?? 0) - (a.path?.length ?? 0));
  return matches[0]?.backend.service?.name;
}

describe.each(['dev', 'prod'])('admin ingress component on overlay %s', (overlay) => {
  const namespace = ofKind<K8sObject>(renderOverlay(overlay), 'Deployment')[0]?.metadata.namespace ?? '';
  const objects = renderWithComponent(overlay, namespace);
  const ingress = ofKind<IIngress>(objects, 'Ingress').find((object) => object.metadata.name === 'pgw-admin');

  it('renders one valid Ingress in the overlay namespace', () => {
    expect(ingress).toBeDefined();
    expect(() => new Ingress(ingress as IIngress).validate()).not.toThrow();
    expect(namespace).not.toBe('');
    expect(ingress?.metadata.namespace).toBe(namespace);
  });

  it('routes the console and each admin API to the service that owns it', () => {
    for (const [path, service] of Object.entries(ROUTES)) {
      expect([path, serviceFor(ingress as IIngress, path)]).toEqual([path, `pgw-${service}`]);
    }
    expect(serviceFor(ingress as IIngress, '/v1/chat/completions')).toBeUndefined();
  });

  it('points at services and named ports that the overlay renders', () => {
    const services = ofKind<IService>(objects, 'Service');
    const backends = ingress?.spec?.rules?.flatMap((rule) => rule.http?.paths ?? []) ?? [];
    for (const backend of backends) {
      const service = services.find((candidate) => candidate.metadata.name === backend.backend.service?.name);
      expect(service?.spec?.ports?.map((port) => port.name)).toContain(backend.backend.service?.port?.name);
    }
  });
});

describe('compose admin proxy', () => {
  const compose = load(readFileSync(repoPath('docker', 'compose.yml'), 'utf8')) as {
    services: Record<string, { ports?: string[]; environment?: Record<string, string> }>;
  };
  const overlay = load(readFileSync(repoPath('docker', 'compose.admin.yml'), 'utf8')) as {
    services: Record<string, { depends_on?: Record<string, unknown>; ports?: string[]; read_only?: boolean }>;
  };
  const nginx = readFileSync(repoPath('docker', 'admin-proxy', 'nginx.conf'), 'utf8');

  /** nginx prefix locations: `location /x { set $v http://svc:port; proxy_pass $v; }` -> { '/x': 'svc:port' }. */
  const locations = new Map(
    [...nginx.matchAll(/location (\/[^\s{]*) \{\s*set \$\w+ http:\/\/([\w-]+):(\d+);/g)].map((match) => [
      match[1]!,
      `${match[2]}:${match[3]}`,
    ]),
  );
  const upstreamFor = (path: string) =>
    [...locations.keys()]
      .filter((prefix) => path.startsWith(prefix))
      .sort((a, b) => b.length - a.length)
      .map((prefix) => locations.get(prefix))[0];

  it('routes the console and each admin API to the compose service that owns it, on its port', () => {
    const ports = { policy: 8081, audit: 8082, billing: 8083 };
    for (const [path, service] of Object.entries(ROUTES)) {
      expect([path, upstreamFor(path)]).toEqual([path, `${service}:${ports[service]}`]);
      expect(compose.services[service]).toBeDefined();
    }
    expect(upstreamFor('/v1/chat/completions')).toBeUndefined();
  });

  it('waits for the three admin services, publishes on loopback only and runs read-only', () => {
    const proxy = overlay.services['admin-proxy'];
    expect(Object.keys(proxy?.depends_on ?? {}).sort()).toEqual(['audit', 'billing', 'policy']);
    expect(proxy?.ports).toEqual(['127.0.0.1:8090:8090']);
    expect(proxy?.read_only).toBe(true);
    expect(nginx).toMatch(/listen 8090;/);
  });
});

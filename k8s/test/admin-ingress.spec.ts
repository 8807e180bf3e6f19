import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { findKubectl, ofKind, renderOverlay, type IService, type K8sObject } from './support/render';
import { repoPath } from './support/workspace';

/** The opt-in admin Ingress (k8s/components/admin-ingress): one admin origin, routed by path prefix. */
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
    const routes = {
      '/console': 'pgw-policy',
      '/console/assets/index.js': 'pgw-policy',
      '/admin/v1/projects': 'pgw-policy',
      '/admin/v1/plans': 'pgw-policy',
      '/admin/v1/audit/decisions': 'pgw-audit',
      '/admin/v1/audit/export': 'pgw-audit',
      '/admin/v1/billing/prices': 'pgw-billing',
      '/admin/v1/billing/projects/p1/budget': 'pgw-billing',
    };
    for (const [path, service] of Object.entries(routes)) {
      expect([path, serviceFor(ingress as IIngress, path)]).toEqual([path, service]);
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

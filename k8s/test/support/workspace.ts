import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Repository root. */
export const ROOT = join(__dirname, '..', '..', '..');

/** The services deployed in distributed mode and the port each listens on (docs/ENGINEERING.md). */
export const SERVICE_PORTS = { gateway: 8080, policy: 8081, audit: 8082, billing: 8083 } as const;
export type Service = keyof typeof SERVICE_PORTS;
export const SERVICES = Object.keys(SERVICE_PORTS) as Service[];
/** Services that own a Postgres schema (and so take DATABASE_URL, ADMIN_TOKEN and run migrations). */
export const DATABASE_SERVICES: Service[] = ['policy', 'audit', 'billing'];
/** Every image the Dockerfile can build (APP build arg) and its port. */
export const IMAGE_PORTS: Record<string, number> = { ...SERVICE_PORTS, embedded: 8080 };

/**
 * Variables that look secret by name: they must never appear as a literal in a manifest. The config classes'
 * own "Secret" JSDoc markers (see app-config.ts) add to this.
 */
// A *_FILE variable holds the path of a mounted secret, not the secret: not secret-bearing itself.
export const SECRET_NAME = /^(?!.*_FILE$).*(TOKEN|KEY|PASSWORD|SECRET|DATABASE_URL)/;

export function repoPath(...parts: string[]): string {
  return join(ROOT, ...parts);
}

export function readRepoFile(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

export function repoFileExists(...parts: string[]): boolean {
  return existsSync(repoPath(...parts));
}

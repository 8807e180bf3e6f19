import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EmbeddedSecrets {
  adminToken: string;
  demoKeySecret: string;
}

/**
 * The embedded mode's local admin token and demo key secret, generated once and kept (mode 0600) in the
 * data directory so that restarts print the same credentials.
 */
export function loadOrCreateEmbeddedSecrets(dataDir: string): EmbeddedSecrets {
  const file = join(dataDir, 'embedded-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as EmbeddedSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: EmbeddedSecrets = {
    adminToken: `adm_${randomBytes(24).toString('base64url')}`,
    demoKeySecret: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

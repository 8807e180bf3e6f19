import { Injectable } from '@nestjs/common';
import {
  parseProjectKey,
  secretMatchesHash,
  type KeyStateRecord,
  type ProjectStateRecord,
} from '@pgw/contracts';
import { GatewayError } from '../errors/gateway-error';
import { GatewayStateStore } from '../state/gateway-state.store';

export interface Caller {
  key: KeyStateRecord;
  project: ProjectStateRecord;
}

/** The scheme is case-insensitive (RFC 9110 section 11.1): `bearer` and `BEARER` are Bearer too. */
const BEARER = /^bearer +/i;

/** `Authorization: Bearer pgw_<id>_<secret>` → the key and its project, from memory; 401 otherwise. */
@Injectable()
export class KeyAuthenticator {
  constructor(private readonly state: GatewayStateStore) {}

  authenticate(header: string | undefined): Caller {
    // Before the state topics were read, an unknown key may just not be loaded yet: a 401 would tell a
    // client its valid key was rejected (SDKs do not retry it); a 503 with Retry-After is retried.
    if (!this.state.loaded) throw notReady();
    const scheme = header ? BEARER.exec(header) : null;
    if (!header || scheme === null) {
      throw new GatewayError(
        'invalid_api_key',
        'You did not provide an API key. Send it as a Bearer token: `Authorization: Bearer pgw_...`.',
      );
    }
    const parsed = parseProjectKey(header.slice(scheme[0].length).trim());
    const key = parsed ? this.state.keys.get(parsed.keyId) : undefined;
    // Same message for every failure: a caller learns nothing about which keys exist.
    if (!parsed || !key || key.status !== 'active' || !secretMatchesHash(parsed.secret, key.secret_hash)) {
      throw invalidKey();
    }
    if (key.expires_at !== null && Date.parse(key.expires_at) <= Date.now()) throw invalidKey();
    const project = this.state.projects.get(key.project_id);
    if (!project) throw invalidKey();
    return { key, project };
  }
}

function notReady(): GatewayError {
  return new GatewayError(
    'not_ready',
    'The gateway is starting and has not loaded its keys and policies yet; retry shortly.',
    null,
    { headers: { 'retry-after': '1' } },
  );
}

function invalidKey(): GatewayError {
  return new GatewayError(
    'invalid_api_key',
    'Incorrect API key provided, or the key was revoked or has expired.',
  );
}

import {
  formatProjectKey,
  hashKeySecret,
  type KeyStateRecord,
  type ProjectStateRecord,
} from '@pgw/contracts';
import { GatewayError } from '../errors/gateway-error';
import type { GatewayStateStore } from '../state/gateway-state.store';
import { KeyAuthenticator } from './key-authenticator';

describe('KeyAuthenticator', () => {
  const secret = 'S'.repeat(43);
  const key = {
    key_id: 'abcd1234',
    project_id: 'p1',
    status: 'active',
    secret_hash: hashKeySecret(secret),
    expires_at: null,
  } as unknown as KeyStateRecord;
  const project = { project_id: 'p1' } as unknown as ProjectStateRecord;
  // Only what the authenticator reads: the loaded flag and two in-memory maps.
  const store = {
    loaded: true,
    keys: new Map([['abcd1234', key]]),
    projects: new Map([['p1', project]]),
  } as unknown as GatewayStateStore;
  const auth = new KeyAuthenticator(store);
  const raw = formatProjectKey('abcd1234', secret);

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the scheme in any case: %s', (scheme) => {
    expect(auth.authenticate(`${scheme} ${raw}`).key).toBe(key);
  });

  it.each(['', 'Basic abc', 'Bearer', `Bearerx ${raw}`, `Token ${raw}`])('refuses %j with a 401', (h) => {
    expect(() => auth.authenticate(h)).toThrow(GatewayError);
    try {
      auth.authenticate(h);
    } catch (e) {
      expect((e as GatewayError).status).toBe(401);
    }
  });
});

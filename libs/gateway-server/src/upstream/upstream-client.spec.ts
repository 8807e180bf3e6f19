import { resolveGatewayOptions } from '../gateway-server.module';
import { UpstreamClient } from './upstream-client';

describe('UpstreamClient.route with client-chosen model ids', () => {
  const routes = { 'gpt-4o-mini': { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k' } };
  const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

  it.each(names)('%s is an unknown model (no route), not an Object.prototype member', (model) => {
    const client = new UpstreamClient(resolveGatewayOptions({ routes, instanceId: 't' }));
    expect(client.route(model)).toBeNull();
    expect(client.route('gpt-4o-mini')).not.toBeNull();
  });

  it.each(names)('%s goes to the default upstream under its own name when there is one', (model) => {
    const client = new UpstreamClient(
      resolveGatewayOptions({
        routes,
        instanceId: 't',
        defaultUpstream: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k' },
      }),
    );
    expect(client.route(model)?.upstreamModel).toBe(model);
  });
});

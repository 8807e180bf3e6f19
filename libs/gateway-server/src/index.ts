export * from './gateway-server.options';
export * from './gateway-server.module';
export { GatewayStateStore } from './state/gateway-state.store';
export { StateFollower } from './state/state-follower.service';
export { Readiness, type ReadinessStatus } from './state/readiness';
export { GatewayMetrics } from './metrics/gateway-metrics';
export { GATEWAY_ERRORS, GatewayError } from './errors/gateway-error';
export { boundChatRequestTokens, type RequestTokenBound } from './limits/cost-estimate';
export { type RedisConnectionOptions, RedisSettingsError } from './limits/redis-connection';

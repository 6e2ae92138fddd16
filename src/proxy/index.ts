// The service proxy's public surface for the node agent (docs/proxy.md).
export { ServiceProxy, type ServiceProxyOptions, type SyncResult } from './service-proxy.js';
export { ModelCache, RULESET_FORMAT, type Plan } from './model-cache.js';
export { HealthCheckServer, healthResponse, type HealthCheckBody } from './healthcheck.js';
export { buildModel, buildModelFromPorts, buildFragment, assembleModel, type Fragment, CHAINS, SETS, TABLE_FAMILY, TABLE_NAME, MASQUERADE_MARK, type ProxyConfig, type ProxyState } from './ruleset.js';
export { renderDiff, renderFull, servicesAtFault, type Transaction } from './render.js';
export { servicePorts, healthChecks, needsRules, type ServicePortInfo, type HealthCheckInfo, type EndpointInfo } from './service-ports.js';
export { tracePacket, traceAll, type TracePacket, type TraceResult, type TraceOptions } from './trace.js';
export { staleUdpDeletions, deleteConntrack, type ConntrackDeletion } from './conntrack.js';
export { renderRuleset, renderChanges } from './api.js';

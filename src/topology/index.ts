// The sealed network of a cluster: plan (pure) and apply/teardown (kernel).
// See docs/topology.md for the picture and the address table.

export { nodeIP, nodeIndex, joinOrderPodCIDR, ipToInt, intToIp, parseCidr, canonicalCidr, cidrContains } from './addresses.js';
export { BRIDGE_NODES, BRIDGE_OUTSIDE, UPLINK, routerPort, topologyNetns } from './names.js';
export { MASQ_TABLE, MASQ_TABLE_FAMILY, masqueradeRuleset } from './masquerade.js';
export {
  POD_ROUTE_PROTO, planTopology, nodeFacts, desiredPodRoutes, routerAttachment, nodeNamespace,
  type NodeSpec, type TopologyInput, type NodeFacts, type TopologyPlan, type NamespacePlan, type LinkPlan, type RoutePlan, type AddressPlan,
} from './plan.js';
export { linkCommands, configCommands, podRouteCommands, installedAfter, buildSteps, type InstalledRoute, type BuildStep } from './commands.js';
export { applyTopology, addNode, removeNode, type ApplyResult, type ApplyOptions } from './apply.js';
export { syncPodRoutes, readPodRoutes, type PodRouteNode } from './pod-routes.js';
export { teardownCluster, listClusterNamespaces, clusterNamespaces, killNamespaceProcesses, type TeardownResult } from './teardown.js';

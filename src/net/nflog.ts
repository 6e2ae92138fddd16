// The netlink log groups podnet's rules copy a packet to (NFLOG, one set of
// groups per network namespace), and the statement that does it. Each group
// is one kind of refusal, so its listener knows from the group why the
// packet was refused. A group takes one listener per namespace: the agent
// living there (src/observe/refusal-recorder.ts), which writes the refusal
// log `podnet observe` reads.

export const NFLOG_GROUP = {
  /** a NetworkPolicy's drop of a new connection to an isolated pod */
  policyIngress: 4001,
  /** a NetworkPolicy's drop of a new connection from an isolated pod */
  policyEgress: 4002,
  /** the service proxy's reject: a Service port without endpoints, or a ClusterIP port no Service has */
  serviceReject: 4003,
  /** the service proxy's (or the load balancer's) drop: externalTrafficPolicy Local with no endpoint on the node, a source outside loadBalancerSourceRanges, or internalTrafficPolicy Local with no endpoint on the node */
  serviceDrop: 4004,
} as const;

/**
 * The statement that logs a packet to `group`: its headers only (an IPv4
 * and a TCP header with options fit in 128 bytes), sent at once: the kernel
 * otherwise queues a group's packets for up to a second, and a listener
 * would see each late and stamped with the time the batch came.
 */
export function nflogStatement(group: number): string {
  return `log group ${group} snaplen 128 queue-threshold 1`;
}

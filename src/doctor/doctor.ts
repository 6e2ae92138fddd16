// Every check, in the order of the report (pure: evidence in, findings out).

import { checkClusterDns, checkExternalDns } from './check-dns.js';
import { checkEvents } from './check-events.js';
import { checkGateway } from './check-gateway.js';
import { checkIngress } from './check-ingress.js';
import { checkLoadBalancer } from './check-load-balancer.js';
import { checkNodes } from './check-nodes.js';
import { checkPodNetwork } from './check-pod-network.js';
import { checkPods } from './check-pods.js';
import { checkPolicy } from './check-policy.js';
import { checkServices } from './check-services.js';
import { checkWorkloads } from './check-workloads.js';
import type { DoctorEvidence } from './evidence.js';
import type { Finding } from './findings.js';

export function diagnose(e: DoctorEvidence): Finding[] {
  return [
    ...checkNodes(e),
    ...checkPodNetwork(e),
    ...checkPods(e),
    ...checkWorkloads(e),
    ...checkServices(e),
    ...checkClusterDns(e),
    ...checkLoadBalancer(e),
    ...checkIngress(e),
    ...checkGateway(e),
    ...checkExternalDns(e),
    ...checkPolicy(e),
    ...checkEvents(e),
  ];
}

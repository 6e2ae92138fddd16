// The address every served Ingress reports in status.loadBalancer: that of the
// controller's own Service (ingress-nginx --publish-service), by the rules of
// ingress-nginx's statusAddressFromService (internal/ingress/status/status.go).

import type { LoadBalancerIngress, Service } from '../api/types.js';

/**
 * LoadBalancer: the addresses its load balancer got, plus spec.externalIPs;
 * none while it has none. Publishing the ClusterIP meanwhile would tell
 * clients outside the cluster (and external-dns) to use an address they cannot
 * reach, and flip to the real one later. ClusterIP / NodePort: the ClusterIP
 * (NodePort's externalIPs when it has some). ExternalName: its name.
 */
export function publishedAddress(svc: Service | undefined): LoadBalancerIngress[] {
  if (!svc) return [];
  const external = (svc.spec.externalIPs ?? []).map((ip) => ({ ip }));
  switch (svc.spec.type ?? 'ClusterIP') {
    case 'LoadBalancer': {
      const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => (i.ip ? { ip: i.ip } : { hostname: i.hostname! })).filter((i) => i.ip || i.hostname);
      return [...lb, ...external.filter((e) => !lb.some((i) => i.ip === e.ip))];
    }
    case 'ExternalName':
      return svc.spec.externalName ? [{ hostname: svc.spec.externalName }] : [];
    case 'NodePort':
      if (external.length > 0) return external;
      return clusterIP(svc);
    default: // ClusterIP
      return clusterIP(svc);
  }
}

function clusterIP(svc: Service): LoadBalancerIngress[] {
  const ip = svc.spec.clusterIP;
  return ip && ip !== 'None' ? [{ ip }] : [];
}

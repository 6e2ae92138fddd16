// What a Service holds in the shared ranges (ClusterIP, NodePorts, health
// check NodePort), and the allocate / carry-over / release rules the API
// server applies on create, update and delete. Mirrors upstream
// pkg/registry/core/service/storage/alloc.go: requested values are honoured or
// rejected (422), missing ones allocated, values an update omits carried over
// (patchAllocatedValues), values a type change makes pointless dropped
// (dropTypeDependentFields) and released only after the write is stored.

import { goStringSlice, invalidGo } from '../../api/validation/fields.js';
import type { Service } from '../../api/types.js';
import { KUBE_DNS_SERVICE_IP, KUBERNETES_SERVICE_IP, NODE_PORT_MAX, NODE_PORT_MIN, SERVICE_NETWORK } from '../../config.js';
import { apiErrors, field, type FieldError } from '../../errors.js';
import { deepEqual } from '../../store/deep-equal.js';
import { IpAllocator } from './ip-allocator.js';
import { PortAllocator } from './port-allocator.js';

/** Only these Services get the well-known addresses automatically (DESIGN.md address plan). */
export const RESERVED_SERVICE_IPS: ReadonlyMap<string, string> = new Map([
  ['default/kubernetes', KUBERNETES_SERVICE_IP],
  ['kube-system/kube-dns', KUBE_DNS_SERVICE_IP],
]);

export interface ServiceAllocators {
  readonly ips: IpAllocator;
  readonly nodePorts: PortAllocator;
}

export function createServiceAllocators(options: { cidr?: string; portMin?: number; portMax?: number; random?: () => number } = {}): ServiceAllocators {
  return {
    ips: new IpAllocator(options.cidr ?? SERVICE_NETWORK, [...RESERVED_SERVICE_IPS.values()], options.random),
    nodePorts: new PortAllocator(options.portMin ?? NODE_PORT_MIN, options.portMax ?? NODE_PORT_MAX, options.random),
  };
}

const type = (svc: Service) => svc.spec?.type ?? 'ClusterIP';
const isHeadless = (svc: Service) => svc.spec?.clusterIP === 'None' || svc.spec?.clusterIPs?.[0] === 'None';

/** Every type but ExternalName has a clusterIP field (possibly "None"). */
export function hasClusterIPField(svc: Service): boolean { return type(svc) !== 'ExternalName'; }
export function needsClusterIP(svc: Service): boolean { return hasClusterIPField(svc) && !isHeadless(svc); }
/** NodePort and LoadBalancer Services may hold node ports ... */
export function allowsNodePorts(svc: Service): boolean { return type(svc) === 'NodePort' || type(svc) === 'LoadBalancer'; }
/** ... and get them allocated unless a LoadBalancer opts out (spec.allocateLoadBalancerNodePorts=false). */
export function needsNodePorts(svc: Service): boolean {
  return type(svc) === 'NodePort' || (type(svc) === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
}
export function needsHealthCheckNodePort(svc: Service): boolean {
  return type(svc) === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
}

interface Held { ip: string | undefined; ports: Set<number> }

/** The values a stored Service occupies in the allocators. */
export function heldBy(svc: Service): Held {
  const ip = needsClusterIP(svc) ? (svc.spec.clusterIPs?.[0] || svc.spec.clusterIP || undefined) : undefined;
  const ports = new Set<number>();
  if (allowsNodePorts(svc)) for (const p of svc.spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  if (needsHealthCheckNodePort(svc) && svc.spec.healthCheckNodePort) ports.add(svc.spec.healthCheckNodePort);
  return { ip, ports };
}

/**
 * An update that omits allocated values keeps them (upstream
 * patchAllocatedValues): clusterIP(s) when both sides have one, nodePorts by
 * port name unless another port of the new Service already uses that value,
 * and the health check port.
 */
export function carryOverAllocations(oldSvc: Service, newSvc: Service): void {
  if (!newSvc.spec) return;
  dropUnchangedTypeDependentFields(oldSvc, newSvc);
  if (hasClusterIPField(oldSvc) && hasClusterIPField(newSvc)) {
    if (!newSvc.spec.clusterIP && oldSvc.spec.clusterIP) newSvc.spec.clusterIP = oldSvc.spec.clusterIP;
    // upstream normalizeClusterIPs: an update that changes only clusterIP (a
    // manifest without clusterIPs, or a patch that leaves the stored ones)
    // means clusterIPs[0] too, so validation reports the immutable field
    // rather than a clusterIP/clusterIPs mismatch
    const changed = !!newSvc.spec.clusterIP && newSvc.spec.clusterIP !== oldSvc.spec.clusterIP;
    const oldIPs = oldSvc.spec.clusterIPs ?? [];
    if (!newSvc.spec.clusterIPs?.length && oldIPs.length) {
      newSvc.spec.clusterIPs = changed ? [newSvc.spec.clusterIP!] : [...oldIPs];
    } else if (changed && oldIPs.length && deepEqual(newSvc.spec.clusterIPs, oldIPs)) {
      newSvc.spec.clusterIPs = [newSvc.spec.clusterIP!, ...oldIPs.slice(1)];
    }
  }
  if (allowsNodePorts(oldSvc) && allowsNodePorts(newSvc)) {
    const oldPorts = heldBy(oldSvc).ports;
    const used = new Set((newSvc.spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n && oldPorts.has(n)));
    const byName = new Map((oldSvc.spec.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const p of newSvc.spec.ports ?? []) {
      if (p.nodePort) continue;
      const v = byName.get(p.name ?? '');
      if (v && !used.has(v)) p.nodePort = v;
    }
  }
  if (needsHealthCheckNodePort(oldSvc) && needsHealthCheckNodePort(newSvc) && !newSvc.spec.healthCheckNodePort) {
    newSvc.spec.healthCheckNodePort = oldSvc.spec.healthCheckNodePort;
  }
}

const nodePortsOf = (svc: Service) => (svc.spec.ports ?? []).map((p) => p.nodePort ?? 0);
const externallyAccessible = (svc: Service) => type(svc) === 'NodePort' || type(svc) === 'LoadBalancer';

/**
 * Before validation, as upstream's strategy (dropTypeDependentFields) and
 * allocator (the health check node port) do on update: a value the old
 * Service needed and the new one does not is dropped when the update left it
 * as it was — the client did not ask for it, it only carried it over (a
 * merge patch or `podnet apply` that changes type LoadBalancer → ClusterIP
 * keeps the stored nodePorts). A value the client changed stays, and
 * validation rejects it.
 */
function dropUnchangedTypeDependentFields(oldSvc: Service, newSvc: Service): void {
  const spec = newSvc.spec;
  const old = oldSvc.spec;
  if (type(oldSvc) !== type(newSvc)) {
    // ExternalName has no clusterIP (not even "None") and no IP families
    if (hasClusterIPField(oldSvc) && !hasClusterIPField(newSvc)) {
      if (spec.clusterIP === old.clusterIP && deepEqual(spec.clusterIPs ?? [], old.clusterIPs ?? [])) {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      if (deepEqual(spec.ipFamilies ?? [], old.ipFamilies ?? [])) delete spec.ipFamilies;
      if (spec.ipFamilyPolicy === old.ipFamilyPolicy) delete spec.ipFamilyPolicy;
    }
    if (allowsNodePorts(oldSvc) && !allowsNodePorts(newSvc) && deepEqual(nodePortsOf(newSvc), nodePortsOf(oldSvc))) {
      for (const p of spec.ports ?? []) delete p.nodePort;
    }
    if (externallyAccessible(oldSvc) && !externallyAccessible(newSvc) && spec.externalTrafficPolicy === old.externalTrafficPolicy) {
      delete spec.externalTrafficPolicy;
    }
    if (type(oldSvc) === 'LoadBalancer') {
      if (spec.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
      if (spec.loadBalancerClass === old.loadBalancerClass) delete spec.loadBalancerClass;
    }
  }
  if (needsHealthCheckNodePort(oldSvc) && !needsHealthCheckNodePort(newSvc) && spec.healthCheckNodePort === old.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
}

/** Drops values the (new) type has no use for, as upstream dropTypeDependentFields does on a type change. */
function dropTypeDependentFields(svc: Service): void {
  const spec = svc.spec;
  if (!hasClusterIPField(svc)) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  if (!allowsNodePorts(svc)) for (const p of spec.ports ?? []) delete p.nodePort;
  if (!needsHealthCheckNodePort(svc)) delete spec.healthCheckNodePort;
}

export interface ServiceAllocation {
  /** after the store write: frees what the old object held and the new one no longer does */
  commit(): void;
  /** the store write failed: frees what this allocation took */
  rollback(): void;
}

/**
 * Allocates what `svc` needs (mutating it to carry the values) given the old
 * stored version on update. Throws 422 Invalid for a requested value that is
 * taken or out of range, 500 when a range is full; nothing stays allocated
 * when it throws.
 */
export function allocateService(a: ServiceAllocators, svc: Service, old?: Service): ServiceAllocation {
  svc.spec ??= {};
  const spec = svc.spec;
  dropTypeDependentFields(svc);
  const oldHeld: Held = old ? heldBy(old) : { ip: undefined, ports: new Set() };
  const took = { ips: [] as string[], ports: [] as number[] };
  const errors: FieldError[] = [];
  const rollback = () => {
    for (const ip of took.ips) a.ips.release(ip);
    for (const p of took.ports) a.nodePorts.release(p);
  };
  const full = (what: string) => {
    rollback();
    return apiErrors.internal(`failed to allocate a ${what}: range is full`);
  };

  if (isHeadless(svc)) {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
  } else if (needsClusterIP(svc)) {
    const requested = spec.clusterIPs?.[0] || spec.clusterIP || '';
    let ip: string | undefined = requested;
    if (requested && requested !== oldHeld.ip) {
      const r = a.ips.allocate(requested);
      if (r === 'ok') took.ips.push(requested);
      // worded as upstream's allocIPs: the whole clusterIPs list, Go-formatted
      else errors.push(invalidGo('spec.clusterIPs', goStringSlice(spec.clusterIPs?.length ? spec.clusterIPs : [requested]), `failed to allocate IP ${requested}: ${r === 'taken'
        ? 'provided IP is already allocated'
        : `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${a.ips.cidr}`}`));
    } else if (!requested) {
      const reserved = RESERVED_SERVICE_IPS.get(`${svc.metadata.namespace}/${svc.metadata.name}`);
      ip = reserved && a.ips.allocate(reserved) === 'ok' ? reserved : a.ips.allocateNext();
      if (!ip) throw full('serviceIP');
      took.ips.push(ip);
    }
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }

  // Ports this Service will hold; the same number on two ports (TCP and UDP) is one allocation.
  const mine = new Set<number>();
  const claim = (port: number, path: string) => {
    if (mine.has(port) || oldHeld.ports.has(port)) { mine.add(port); return; }
    const r = a.nodePorts.allocate(port);
    if (r === 'ok') { took.ports.push(port); mine.add(port); return; }
    errors.push(field.invalid(path, port, r === 'taken'
      ? 'provided port is already allocated'
      : `provided port is not in the valid range. The range of valid ports is ${a.nodePorts.min}-${a.nodePorts.max}`));
  };
  const ports = spec.ports ?? [];
  if (allowsNodePorts(svc)) {
    ports.forEach((p, i) => { if (p.nodePort) claim(p.nodePort, `spec.ports[${i}].nodePort`); });
    if (needsNodePorts(svc)) {
      for (const p of ports) {
        if (p.nodePort) continue;
        const n = a.nodePorts.allocateNext();
        if (n === undefined) throw full('nodePort');
        took.ports.push(n);
        mine.add(n);
        p.nodePort = n;
      }
    }
  }
  if (needsHealthCheckNodePort(svc)) {
    const hc = spec.healthCheckNodePort;
    if (hc) {
      if (mine.has(hc) && !oldHeld.ports.has(hc)) errors.push(field.invalid('spec.healthCheckNodePort', hc, 'provided port is already allocated'));
      else claim(hc, 'spec.healthCheckNodePort');
    } else {
      const n = a.nodePorts.allocateNext();
      if (n === undefined) throw full('nodePort');
      took.ports.push(n);
      spec.healthCheckNodePort = n;
    }
  }

  if (errors.length > 0) {
    rollback();
    throw apiErrors.invalid('Service', '', svc.metadata.name ?? '', errors);
  }
  return {
    rollback,
    commit: () => {
      const now = heldBy(svc);
      if (oldHeld.ip && oldHeld.ip !== now.ip) a.ips.release(oldHeld.ip);
      for (const p of oldHeld.ports) if (!now.ports.has(p)) a.nodePorts.release(p);
    },
  };
}

export function releaseService(a: ServiceAllocators, svc: Service): void {
  const held = heldBy(svc);
  if (held.ip) a.ips.release(held.ip);
  for (const p of held.ports) a.nodePorts.release(p);
}

/** Marks a stored Service's values as taken (startup rebuild); returns problems for the log. */
export function restoreService(a: ServiceAllocators, svc: Service): string[] {
  const problems: string[] = [];
  const held = heldBy(svc);
  const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
  if (held.ip && a.ips.allocate(held.ip) !== 'ok') problems.push(`service ${key}: clusterIP ${held.ip} is out of range or held twice`);
  for (const p of held.ports) if (a.nodePorts.allocate(p) !== 'ok') problems.push(`service ${key}: node port ${p} is out of range or held twice`);
  return problems;
}

// A Pod's quality-of-service class (upstream's qos.ComputePodQOS and
// GetPodQOS): the API server stores it in status.qosClass when the Pod is
// created, and `describe pod` prints it. Only cpu and memory count, summed
// over the containers and the init containers; a zero amount counts as unset.
// This runs before validation, so every step checks types first.

import { quantityMilliValue } from './quantity.js';
import type { Pod } from './types.js';
import { isObj, objects } from './validation/fields.js';

export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** the resources that decide the class; extended resources and ephemeral storage do not */
const QOS_RESOURCES = ['cpu', 'memory'] as const;

/**
 * The positive cpu and memory amounts of one resource list, in thousandths.
 * Thousandths are exact: the API server rounds every stored quantity up to
 * them (SetDefaults_ResourceList), and quantityMilliValue rounds the same way.
 */
function positiveAmounts(list: unknown): Map<string, bigint> {
  const amounts = new Map<string, bigint>();
  if (!isObj(list)) return amounts;
  for (const name of QOS_RESOURCES) {
    const q = list[name];
    const milli = typeof q === 'string' || typeof q === 'number' ? quantityMilliValue(q) : undefined;
    if (milli !== undefined && milli > 0n) amounts.set(name, milli);
  }
  return amounts;
}

function addInto(total: Map<string, bigint>, amounts: Map<string, bigint>): void {
  for (const [name, milli] of amounts) total.set(name, (total.get(name) ?? 0n) + milli);
}

/**
 * The class a pod spec earns: BestEffort when no container requests or limits
 * cpu or memory; Guaranteed when every container limits both and the pod's
 * summed requests equal its summed limits; Burstable otherwise. The sums, not
 * each container, are compared, as upstream compares them. Ephemeral
 * containers have no resources, and pod overhead does not count.
 */
export function computePodQOS(spec: unknown): PodQOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let everyContainerLimitsBoth = true;
  const containers = isObj(spec) ? [...objects(spec.containers), ...objects(spec.initContainers)] : [];
  for (const c of containers) {
    const resources = isObj(c.resources) ? c.resources : {};
    addInto(requests, positiveAmounts(resources.requests));
    const own = positiveAmounts(resources.limits);
    addInto(limits, own);
    if (own.size < QOS_RESOURCES.length) everyContainerLimitsBoth = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  const equal = requests.size === limits.size && [...requests].every(([name, milli]) => limits.get(name) === milli);
  return everyContainerLimitsBoth && equal ? 'Guaranteed' : 'Burstable';
}

/** The stored status.qosClass when there is one (GetPodQOS), else the class computed from the spec. */
export function podQOSClass(pod: Pod): string {
  const status: unknown = pod.status;
  const stored = isObj(status) ? status.qosClass : undefined;
  return typeof stored === 'string' && stored !== '' ? stored : computePodQOS(pod.spec);
}

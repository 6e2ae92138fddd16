// `kubectl get` tables: the default columns (and `-o wide` columns) of every
// kind podnet serves, with cells computed as
// kubernetes/pkg/printers/internalversion/printers.go computes them, laid out
// by the same tabwriter settings cli-runtime uses.

import type {
  Deployment, Endpoints, EndpointSlice, Event, Ingress, IngressClass, KubeObject, LoadBalancerIngress, Namespace, Node, Pod,
  Secret, ConfigMap, Service, ServiceAccount, StatefulSet, Container, PersistentVolume, PersistentVolumeAccessMode, PersistentVolumeClaim,
  StorageClass, NetworkPolicy, ReplicaSet, Job, CronJob, RoleBinding, PodDisruptionBudget, HorizontalPodAutoscaler, DaemonSet, LabelSelector,
  PodTemplateSpec, Condition,
} from '../../api/types.js';
import type { Gateway, GatewayClass, HTTPRoute } from '../../api/gateway-types.js';
import { getCondition } from '../../api/pod-helpers.js';
import { RESOURCES } from '../../api/resources.js';
import { claimStorageClass, isDefaultStorageClass, volumeStorageClass } from '../../api/default-storage-class.js';
import { canonicalQuantity } from '../../api/validation/volumes.js';
import { ageSince, humanDuration, toMillis, type Instant } from './age.js';
import { formatHpaTargets } from './describe-hpa.js';
import { podWideCells, summarizePod } from './pod-status.js';
import { kindQualifier } from './resource-name.js';
import { formatLabels, formatLabelSelector, selectorString } from './selectors.js';
import { alignTabs, TABLE_TABWRITER } from './tabwriter.js';

/** What a podnet node reports as its kubelet version when it reports none. */
export const DEFAULT_KUBELET_VERSION = 'v1.31.0-podnet';

/** printers.go loadBalancerWidth: LB addresses are clipped to this outside -o wide. */
const LOAD_BALANCER_WIDTH = 16;
/** formatEndpointSlices / formatHosts show this many entries, then "+ N more...". */
const LIST_MAX = 3;

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

export interface TableOptions {
  wide?: boolean;
  /** -A: adds a NAMESPACE column for namespaced kinds */
  allNamespaces?: boolean;
  /** the clock ages are measured against (tests pass a fixed one) */
  now?: Instant;
  /** `get a,b`: names become `kind.group/name` */
  withKindPrefix?: boolean;
  /** `-L KEY`: one column per label key, headed by its last path segment in capitals */
  labelColumns?: readonly string[];
  /** `--show-labels`: a last LABELS column */
  showLabels?: boolean;
  /** `--no-headers`: the rows without the header row */
  noHeaders?: boolean;
}

interface Printer {
  headers: string[];
  wideHeaders: string[];
  cells(obj: KubeObject, wide: boolean, now: Instant): string[];
}

const age = (obj: KubeObject, now: Instant): string => ageSince(obj.metadata.creationTimestamp, now);

/** layoutContainerCells: names and images, comma-joined. */
function containerCells(containers: Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** A kind whose pods come from a template, picked by a selector. */
type TemplateOwner = KubeObject & { spec: { template?: PodTemplateSpec; selector?: LabelSelector } };

/**
 * The printers of the workload kinds: `cells` gives the row, and -o wide adds
 * the template's containers and images, then the selector as `selectorText`
 * words it (no SELECTOR column without one).
 */
function templateOwnerPrinter<T extends TemplateOwner>(
  headers: string[], cells: (obj: T, now: Instant) => string[], selectorText?: (sel: LabelSelector | undefined) => string,
): Printer {
  return {
    headers,
    wideHeaders: selectorText ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : ['CONTAINERS', 'IMAGES'],
    cells(obj, wide, now) {
      const owner = obj as T;
      const row = cells(owner, now);
      if (wide) row.push(...containerCells(owner.spec.template?.spec?.containers));
      if (wide && selectorText) row.push(selectorText(owner.spec.selector));
      return row;
    },
  };
}

/** `.status.conditions[?(@.type=="TYPE")].status`: the condition's status, '' when there is none. */
function conditionStatus(conditions: Condition[] | undefined, type: string): string {
  return getCondition(conditions, type)?.status ?? '';
}

/** `Kind/name` of a reference (a binding's role, an autoscaler's target). */
function kindSlashName(ref: { kind?: string; name?: string } | undefined): string {
  return `${ref?.kind ?? ''}/${ref?.name ?? ''}`;
}

/** A set's sorted members, as sets.String.List() returns them. */
function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** loadBalancerStatusStringer: unique IPs (or hostnames), sorted, clipped unless wide. */
function loadBalancerText(ingress: LoadBalancerIngress[] | undefined, wide: boolean): string {
  const r = sortedUnique((ingress ?? []).map((i) => i.ip || i.hostname || '').filter((s) => s !== '')).join(',');
  return !wide && r.length > LOAD_BALANCER_WIDTH ? `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...` : r;
}

function serviceExternalIP(svc: Service, wide: boolean): string {
  const externalIPs = svc.spec.externalIPs ?? [];
  switch (svc.spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerText(svc.status?.loadBalancer?.ingress, wide);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
  }
  return '<unknown>';
}

/** makePortString: `80/TCP`, `80:30080/TCP`, comma-joined. */
function servicePorts(svc: Service): string {
  const text = (svc.spec.ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
  return text || '<none>';
}

/** listWithMoreString */
function listWithMore(list: string[], more: boolean, count: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - LIST_MAX} more...`;
  return ret || '<unset>';
}

function endpointSlicePorts(eps: EndpointSlice): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of eps.ports ?? []) {
    if (list.length < LIST_MAX) list.push(p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*');
    else if (list.length === LIST_MAX) more = true;
    count++;
  }
  return listWithMore(list, more, count);
}

function endpointSliceEndpoints(eps: EndpointSlice): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ep of eps.endpoints ?? []) {
    for (const addr of ep.addresses ?? []) {
      if (list.length < LIST_MAX) list.push(addr);
      else if (list.length === LIST_MAX) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count);
}

/** kubectl's formatEndpoints: ready `ip:port` per subset and port (the IP alone without ports), three, then "+ N more...". */
export function formatEndpoints(ep: Endpoints): string {
  if (!ep.subsets?.length) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of ep.subsets) {
    const addresses = ss.addresses ?? [];
    const targets = ss.ports?.length ? ss.ports.map((p) => (a: string) => `${a}:${p.port}`) : [(a: string) => a];
    for (const target of targets) {
      count += addresses.length;
      for (const a of addresses) if (list.length < LIST_MAX) list.push(target(a.ip));
    }
  }
  return count > LIST_MAX ? `${list.join(',')} + ${count - LIST_MAX} more...` : list.join(',');
}

/** formatHosts: the first three hosts, `*` when no rule names a host. */
function ingressHosts(ing: Ingress): string {
  const rules = ing.spec.rules ?? [];
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === LIST_MAX) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${rules.length - LIST_MAX} more...` : ret;
}

export function nodeRoles(node: Node): string[] {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.push(role);
    } else if (k === NODE_ROLE_LABEL && v) {
      roles.push(v);
    }
  }
  return sortedUnique(roles);
}

export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

/** GetAccessModesAsString: each mode once, abbreviated, in this fixed order whatever the object's. */
const ACCESS_MODE_ABBREVIATIONS: readonly [PersistentVolumeAccessMode, string][] = [
  ['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP'],
];

export function accessModesText(modes: readonly string[] | undefined): string {
  return ACCESS_MODE_ABBREVIATIONS.filter(([mode]) => modes?.includes(mode)).map(([, short]) => short).join(',');
}

/** A storage quantity as Quantity.String() prints it; an absent one is the zero quantity, "0". */
export function storageText(resources: Record<string, string> | undefined): string {
  const value = resources?.['storage'];
  if (value === undefined) return '0';
  return canonicalQuantity(value) ?? String(value);
}

/** A claim or volume being deleted shows Terminating, whatever its phase (its protection finalizer holds it). */
function storagePhase(obj: PersistentVolume | PersistentVolumeClaim): string {
  return obj.metadata.deletionTimestamp ? 'Terminating' : obj.status?.phase ?? '';
}

const UNSET = '<unset>';

/** printJob's STATUS: the first that holds of Complete, Failed, being deleted, Suspended, FailureTarget; else Running. */
function jobStatusText(job: Job): string {
  const holds = (type: string) => job.status?.conditions?.find((c) => c.type === type)?.status === 'True';
  if (holds('Complete')) return 'Complete';
  if (holds('Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (holds('Suspended')) return 'Suspended';
  if (holds('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** printJob's COMPLETIONS: `succeeded/completions`; without completions `n/1`, or `n/1 of P` when more than one pod runs at once. */
function jobCompletionsText(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** printJob's DURATION: from start to completion, or to now while it runs; empty before it started. */
function jobDurationText(job: Job, now: Instant): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : toMillis(now);
  return humanDuration(end - Date.parse(start));
}

/** What spec.volumeMode and volumeAttributesClassName show: the value, or <unset> when absent. */
function orUnset(value: unknown): string {
  return value === undefined || value === null ? UNSET : String(value);
}

/**
 * Roles have no printer upstream: the API server's default Table shows the
 * name and the creation time as RFC 3339 in UTC, which is how it is stored.
 */
const nameAndCreationTime: Printer = {
  headers: ['NAME', 'CREATED AT'],
  wideHeaders: [],
  cells: (obj) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''],
};

/** rbac.SubjectsStrings: users, groups and `namespace/name` of ServiceAccounts, each comma-joined; other kinds are not shown. */
function bindingSubjects(binding: RoleBinding): [string, string, string] {
  const of = (kind: string) => (binding.subjects ?? []).filter((s) => s.kind === kind);
  return [
    of('User').map((s) => s.name).join(', '),
    of('Group').map((s) => s.name).join(', '),
    of('ServiceAccount').map((s) => `${s.namespace ?? ''}/${s.name}`).join(', '),
  ];
}

/** printRoleBinding and printClusterRoleBinding: ROLE is `Kind/name`; -o wide names the subjects. */
const binding: Printer = {
  headers: ['NAME', 'ROLE', 'AGE'],
  wideHeaders: ['USERS', 'GROUPS', 'SERVICEACCOUNTS'],
  cells(obj, wide, now) {
    const b = obj as RoleBinding;
    const cells = [b.metadata.name ?? '', kindSlashName(b.roleRef), age(b, now)];
    if (wide) cells.push(...bindingSubjects(b));
    return cells;
  },
};

const PRINTERS: Record<string, Printer> = {
  Node: {
    headers: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    wideHeaders: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
    cells(obj, wide, now) {
      const node = obj as Node;
      const info = node.status?.nodeInfo ?? {};
      const cells = [node.metadata.name ?? '', nodeStatus(node), nodeRoles(node).join(',') || '<none>', age(node, now),
        info['kubeletVersion'] || DEFAULT_KUBELET_VERSION];
      if (wide) {
        cells.push(nodeAddress(node, 'InternalIP'), nodeAddress(node, 'ExternalIP'), info['osImage'] || '<unknown>',
          info['kernelVersion'] || '<unknown>', info['containerRuntimeVersion'] || '<unknown>');
      }
      return cells;
    },
  },
  Namespace: {
    headers: ['NAME', 'STATUS', 'AGE'],
    wideHeaders: [],
    cells: (obj, _wide, now) => [obj.metadata.name ?? '', (obj as Namespace).status?.phase ?? '', age(obj, now)],
  },
  Pod: {
    headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    wideHeaders: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
    cells(obj, wide, now) {
      const pod = obj as Pod;
      const s = summarizePod(pod, now);
      const cells = [pod.metadata.name ?? '', s.ready, s.status, s.restarts, age(pod, now)];
      if (wide) cells.push(...podWideCells(pod));
      return cells;
    },
  },
  Deployment: templateOwnerPrinter<Deployment>(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], (d, now) => [
    d.metadata.name ?? '', `${d.status?.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
    String(d.status?.updatedReplicas ?? 0), String(d.status?.availableReplicas ?? 0), age(d, now),
  ], selectorString),
  ReplicaSet: templateOwnerPrinter<ReplicaSet>(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], (rs, now) => [
    rs.metadata.name ?? '', String(rs.spec.replicas ?? 1), String(rs.status?.replicas ?? 0), String(rs.status?.readyReplicas ?? 0), age(rs, now),
  ], formatLabelSelector),
  StatefulSet: templateOwnerPrinter<StatefulSet>(['NAME', 'READY', 'AGE'], (s, now) => [
    s.metadata.name ?? '', `${s.status?.readyReplicas ?? 0}/${s.spec.replicas ?? 1}`, age(s, now),
  ]),
  // printDaemonSet: the status counts as they are, NODE SELECTOR the template's nodeSelector
  DaemonSet: templateOwnerPrinter<DaemonSet>(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'], (ds, now) => {
    const st = ds.status ?? {};
    const counts = [st.desiredNumberScheduled, st.currentNumberScheduled, st.numberReady, st.updatedNumberScheduled, st.numberAvailable];
    return [ds.metadata.name ?? '', ...counts.map((n) => String(n ?? 0)), formatLabels(ds.spec.template?.spec?.nodeSelector), age(ds, now)];
  }, formatLabelSelector),
  Job: templateOwnerPrinter<Job>(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], (job, now) => [
    job.metadata.name ?? '', jobStatusText(job), jobCompletionsText(job), jobDurationText(job, now), age(job, now),
  ], formatLabelSelector),
  // printCronJob: TIMEZONE <none> and SUSPEND <unset> when unset; -o wide shows the Job template's containers and selector
  CronJob: {
    headers: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'],
    wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    cells(obj, wide, now) {
      const cj = obj as CronJob;
      const suspend = cj.spec.suspend === undefined ? UNSET : cj.spec.suspend ? 'True' : 'False';
      const lastSchedule = cj.status?.lastScheduleTime ? ageSince(cj.status.lastScheduleTime, now) : '<none>';
      const row = [
        cj.metadata.name ?? '', cj.spec.schedule ?? '', cj.spec.timeZone ?? '<none>', suspend, String(cj.status?.active?.length ?? 0), lastSchedule, age(cj, now),
      ];
      const jobSpec = cj.spec.jobTemplate?.spec;
      if (wide) row.push(...containerCells(jobSpec?.template?.spec?.containers), formatLabelSelector(jobSpec?.selector));
      return row;
    },
  },
  // printHorizontalPodAutoscaler: REFERENCE is Kind/name; MINPODS <unset> when there is none
  HorizontalPodAutoscaler: {
    headers: ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'],
    wideHeaders: [],
    cells(obj, _wide, now) {
      const hpa = obj as HorizontalPodAutoscaler;
      return [hpa.metadata.name ?? '', kindSlashName(hpa.spec.scaleTargetRef), formatHpaTargets(hpa.spec.metrics, hpa.status?.currentMetrics),
        orUnset(hpa.spec.minReplicas), String(hpa.spec.maxReplicas ?? 0), String(hpa.status?.currentReplicas ?? 0), age(hpa, now)];
    },
  },
  Service: {
    headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    wideHeaders: ['SELECTOR'],
    cells(obj, wide, now) {
      const svc = obj as Service;
      const clusterIP = svc.spec.clusterIPs?.[0] ?? svc.spec.clusterIP ?? '<none>';
      const cells = [svc.metadata.name ?? '', svc.spec.type ?? 'ClusterIP', clusterIP, serviceExternalIP(svc, wide),
        servicePorts(svc), age(svc, now)];
      if (wide) cells.push(formatLabels(svc.spec.selector));
      return cells;
    },
  },
  Endpoints: {
    headers: ['NAME', 'ENDPOINTS', 'AGE'],
    wideHeaders: [],
    cells: (obj, _wide, now) => [obj.metadata.name ?? '', formatEndpoints(obj as Endpoints), age(obj, now)],
  },
  EndpointSlice: {
    headers: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
    wideHeaders: [],
    cells(obj, _wide, now) {
      const eps = obj as EndpointSlice;
      return [eps.metadata.name ?? '', eps.addressType ?? '', endpointSlicePorts(eps), endpointSliceEndpoints(eps), age(eps, now)];
    },
  },
  Ingress: {
    headers: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'],
    wideHeaders: [],
    cells(obj, wide, now) {
      const ing = obj as Ingress;
      return [ing.metadata.name ?? '', ing.spec.ingressClassName ?? '<none>', ingressHosts(ing),
        loadBalancerText(ing.status?.loadBalancer?.ingress, wide), (ing.spec.tls ?? []).length > 0 ? '80, 443' : '80', age(ing, now)];
    },
  },
  IngressClass: {
    headers: ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE'],
    wideHeaders: [],
    cells(obj, _wide, now) {
      const ic = obj as IngressClass;
      const p = ic.spec?.parameters;
      const params = p ? `${p.kind}${p.apiGroup !== undefined ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
      return [ic.metadata.name ?? '', ic.spec?.controller ?? '', params, age(ic, now)];
    },
  },
  NetworkPolicy: {
    headers: ['NAME', 'POD-SELECTOR', 'AGE'],
    wideHeaders: [],
    cells(obj, _wide, now) {
      const np = obj as NetworkPolicy;
      return [np.metadata.name ?? '', formatLabelSelector(np.spec?.podSelector), age(np, now)];
    },
  },
  Secret: {
    headers: ['NAME', 'TYPE', 'DATA', 'AGE'],
    wideHeaders: [],
    cells: (obj, _wide, now) => {
      const s = obj as Secret;
      return [s.metadata.name ?? '', s.type ?? '', String(Object.keys(s.data ?? {}).length), age(s, now)];
    },
  },
  // printServiceAccount: the count of secrets it lists (no tokens in podnet: 0 unless a manifest lists some)
  ServiceAccount: {
    headers: ['NAME', 'SECRETS', 'AGE'],
    wideHeaders: [],
    cells: (obj, _wide, now) => {
      const sa = obj as ServiceAccount;
      return [sa.metadata.name ?? '', String(sa.secrets?.length ?? 0), age(sa, now)];
    },
  },
  ConfigMap: {
    headers: ['NAME', 'DATA', 'AGE'],
    wideHeaders: [],
    cells: (obj, _wide, now) => {
      const cm = obj as ConfigMap;
      return [cm.metadata.name ?? '', String(Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length), age(cm, now)];
    },
  },
  PersistentVolumeClaim: {
    headers: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'],
    wideHeaders: ['VOLUMEMODE'],
    cells(obj, wide, now) {
      const pvc = obj as PersistentVolumeClaim;
      const volume = pvc.spec?.volumeName ?? '';
      // capacity and modes are the bound volume's: blank until there is one
      const cells = [pvc.metadata.name ?? '', storagePhase(pvc), volume, volume ? storageText(pvc.status?.capacity) : '',
        volume ? accessModesText(pvc.status?.accessModes) : '', claimStorageClass(pvc), orUnset(pvc.spec?.['volumeAttributesClassName']),
        age(pvc, now)];
      if (wide) cells.push(orUnset(pvc.spec?.volumeMode));
      return cells;
    },
  },
  PersistentVolume: {
    headers: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
    wideHeaders: ['VOLUMEMODE'],
    cells(obj, wide, now) {
      const pv = obj as PersistentVolume;
      const ref = pv.spec?.claimRef;
      const cells = [pv.metadata.name ?? '', storageText(pv.spec?.capacity), accessModesText(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? '', storagePhase(pv), ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
        volumeStorageClass(pv), orUnset(pv.spec?.['volumeAttributesClassName']), pv.status?.reason ?? '', age(pv, now)];
      if (wide) cells.push(orUnset(pv.spec?.volumeMode));
      return cells;
    },
  },
  StorageClass: {
    headers: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'],
    wideHeaders: [],
    cells(obj, _wide, now) {
      const sc = obj as StorageClass;
      // every class marked default says so, as kubectl does, though only the newest is the one given to claims
      const name = `${sc.metadata.name ?? ''}${isDefaultStorageClass(sc) ? ' (default)' : ''}`;
      return [name, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate',
        String(sc.allowVolumeExpansion ?? false), age(sc, now)];
    },
  },
  // printPodDisruptionBudget: each number as intstr prints it, N/A when unset
  PodDisruptionBudget: {
    headers: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
    wideHeaders: [],
    cells(obj, _wide, now) {
      const pdb = obj as PodDisruptionBudget;
      const text = (v: number | string | undefined) => (v === undefined || v === null ? 'N/A' : String(v));
      return [pdb.metadata.name ?? '', text(pdb.spec?.minAvailable), text(pdb.spec?.maxUnavailable), String(pdb.status?.disruptionsAllowed ?? 0), age(pdb, now)];
    },
  },
  Role: nameAndCreationTime,
  ClusterRole: nameAndCreationTime,
  // the Gateway API kinds: their CRDs' printer columns (a path that finds nothing prints an empty cell)
  GatewayClass: {
    headers: ['NAME', 'CONTROLLER', 'ACCEPTED', 'AGE'],
    wideHeaders: ['DESCRIPTION'],
    cells(obj, wide, now) {
      const gc = obj as GatewayClass;
      const cells = [gc.metadata.name ?? '', gc.spec?.controllerName ?? '', conditionStatus(gc.status?.conditions, 'Accepted'), age(gc, now)];
      if (wide) cells.push(gc.spec?.description ?? '');
      return cells;
    },
  },
  Gateway: {
    headers: ['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE'],
    wideHeaders: [],
    cells(obj, _wide, now) {
      const gw = obj as Gateway;
      // `.status.addresses[*].value`: a printer column shows the first result only
      return [gw.metadata.name ?? '', gw.spec?.gatewayClassName ?? '', gw.status?.addresses?.[0]?.value ?? '', conditionStatus(gw.status?.conditions, 'Programmed'), age(gw, now)];
    },
  },
  HTTPRoute: {
    headers: ['NAME', 'HOSTNAMES', 'AGE'],
    wideHeaders: [],
    cells(obj, _wide, now) {
      const route = obj as HTTPRoute;
      // a list in a string column is printed as JSON, as kubectl's JSONPath printer does
      return [route.metadata.name ?? '', route.spec?.hostnames ? JSON.stringify(route.spec.hostnames) : '', age(route, now)];
    },
  },
  ReferenceGrant: {
    headers: ['NAME', 'AGE'],
    wideHeaders: [],
    cells: (obj, _wide, now) => [obj.metadata.name ?? '', age(obj, now)],
  },
  RoleBinding: binding,
  ClusterRoleBinding: binding,
  Event: {
    headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
    // printEvent's wide row is a different column order, so Event builds it whole.
    wideHeaders: [],
    cells(obj, wide, now) {
      const e = obj as Event;
      const eventTime = e['eventTime'] as string | undefined;
      const first = e.firstTimestamp ? ageSince(e.firstTimestamp, now) : ageSince(eventTime, now);
      const last = e.lastTimestamp ? ageSince(e.lastTimestamp, now) : first;
      const kind = (e.involvedObject?.kind ?? '').toLowerCase();
      const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
      const message = (e.message ?? '').trim();
      if (!wide) return [last, e.type ?? '', e.reason ?? '', target, message];
      const component = e.source?.component || (e['reportingController'] as string | undefined) || e.reportingComponent || '';
      const instance = e.source?.host || (e['reportingInstance'] as string | undefined) || '';
      const source = instance ? `${component}, ${instance}` : component;
      return [last, e.type ?? '', e.reason ?? '', target, e.involvedObject?.fieldPath ?? '', source, message, first,
        String(e.count || 1), e.metadata.name ?? ''];
    },
  },
};

const EVENT_WIDE_HEADERS = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME'];

/** The kinds printTable knows, by Kind. */
export const TABLE_KINDS = Object.keys(PRINTERS);

/**
 * A kind's columns in the order `-o wide` shows them, each marked when only
 * `-o wide` shows it (priority 1 in the API server's Table; src/apiserver/table.ts).
 */
export function tableColumns(kind: string): { header: string; wideOnly: boolean }[] | undefined {
  const p = PRINTERS[kind];
  if (!p) return undefined;
  return headersFor(kind, true).map((header) => ({ header, wideOnly: !p.headers.includes(header) }));
}

/** One object's cells for tableColumns(kind), in that order. */
export function tableCells(kind: string, obj: KubeObject, now: Instant): string[] {
  return PRINTERS[kind]!.cells(obj, true, now);
}

function headersFor(kind: string, wide: boolean): string[] {
  const p = PRINTERS[kind]!;
  if (kind === 'Event' && wide) return EVENT_WIDE_HEADERS;
  return wide ? [...p.headers, ...p.wideHeaders] : p.headers;
}

/**
 * Which shown cell is the name column (Format "name") that `get a,b` prefixes
 * with its kind; an Event's NAME column only shows with -o wide.
 */
function nameColumn(kind: string, wide: boolean): number {
  if (kind === 'Event') return wide ? EVENT_WIDE_HEADERS.indexOf('NAME') : -1;
  return 0;
}

/**
 * The table `kubectl get` prints for objects of one kind (header included,
 * newline-terminated), or '' when there are none: the caller then prints
 * noResourcesMessage() to stderr, as kubectl does.
 */
export function printTable(kind: string, objects: readonly KubeObject[], opts: TableOptions = {}): string {
  const printer = PRINTERS[kind];
  if (!printer) throw new Error(`no table printer for kind ${JSON.stringify(kind)}`);
  if (objects.length === 0) return '';
  const wide = !!opts.wide;
  const now = opts.now ?? Date.now();
  const namespaced = RESOURCES.find((r) => r.kind === kind)?.namespaced ?? true;
  // kubectl adds NAMESPACE only for namespaced kinds (get.go: printWithNamespace).
  const withNamespace = !!opts.allNamespaces && namespaced;
  const nameAt = nameColumn(kind, wide);

  const rows: string[][] = [];
  const labelColumns = opts.labelColumns ?? [];
  // kubectl's decorateTable: the -L columns, then LABELS, after the kind's own
  const headers = [...headersFor(kind, wide), ...labelColumns.map((k) => k.split('/').at(-1)!.toUpperCase()), ...(opts.showLabels ? ['LABELS'] : [])];
  if (!opts.noHeaders) rows.push(withNamespace ? ['NAMESPACE', ...headers] : headers);
  for (const obj of objects) {
    const cells = printer.cells(obj, wide, now);
    if (opts.withKindPrefix && nameAt >= 0) cells[nameAt] = `${kindQualifier(obj.kind || kind, obj.apiVersion)}/${cells[nameAt]}`;
    for (const k of labelColumns) cells.push(obj.metadata.labels?.[k] ?? '');
    if (opts.showLabels) cells.push(formatLabels(obj.metadata.labels));
    rows.push(withNamespace ? [obj.metadata.namespace ?? '', ...cells] : cells);
  }
  return alignTabs(rows.map((r) => `${r.join('\t')}\n`).join(''), TABLE_TABWRITER);
}

/**
 * Several kinds in one `get` (`get svc,endpointslices`): each kind's table,
 * separated by a blank line, skipping kinds that printed nothing. Without
 * headers there is no blank line either: kubectl separates only tables that
 * have a header row, so the rows run on.
 */
export function joinTables(tables: readonly string[], opts: { noHeaders?: boolean } = {}): string {
  return tables.filter((t) => t !== '').join(opts.noHeaders ? '' : '\n');
}

/**
 * What kubectl writes to stderr when a get matched nothing. Pass the namespace
 * for a namespaced kind (omit it for cluster-scoped kinds).
 */
export function noResourcesMessage(namespace?: string, allNamespaces?: boolean): string {
  if (allNamespaces || !namespace) return 'No resources found';
  return `No resources found in ${namespace} namespace.`;
}

// The kinds podnet serves, and how each maps onto REST paths: the kinds the
// control-plane issue names, and v1 Endpoints, which kubectl's docs and
// older manifests still use; anything else is "no matches for kind".

import { GATEWAY_GROUP } from './gateway-types.js';

export interface ResourceInfo {
  kind: string;
  group: string; // '' for the core group
  version: string;
  /** lower-case plural used in REST paths and store keys */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  hasStatus: boolean;
  /** the categories discovery lists it in (`kubectl get all` expands "all") */
  categories?: string[];
  /** a scale subresource (an autoscaling/v1 Scale of its spec.replicas), which kubectl scale and autoscalers use */
  hasScale?: boolean;
}

/**
 * In discovery's order: kubectl lists a category's kinds (`get all`) so,
 * upstream lists the apps group alphabetically (daemonsets first, so `get all`
 * prints them between services and deployments), and autoscaling, then batch,
 * come after apps (`get all` ends with horizontalpodautoscalers, then batch's
 * cronjobs and jobs, alphabetically as upstream lists them).
 * A DaemonSet has no scale subresource upstream, so none here.
 */
export const RESOURCES: readonly ResourceInfo[] = [
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], hasStatus: true },
  { kind: 'Node', group: '', version: 'v1', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], hasStatus: true },
  { kind: 'Pod', group: '', version: 'v1', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], hasStatus: true, categories: ['all'] },
  { kind: 'Service', group: '', version: 'v1', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], hasStatus: true, categories: ['all'] },
  { kind: 'Endpoints', group: '', version: 'v1', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], hasStatus: false },
  { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', singular: 'secret', namespaced: true, shortNames: [], hasStatus: false },
  { kind: 'ServiceAccount', group: '', version: 'v1', plural: 'serviceaccounts', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'], hasStatus: false },
  { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'], hasStatus: false },
  { kind: 'Event', group: '', version: 'v1', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], hasStatus: false },
  { kind: 'DaemonSet', group: 'apps', version: 'v1', plural: 'daemonsets', singular: 'daemonset', namespaced: true, shortNames: ['ds'], hasStatus: true, categories: ['all'] },
  { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], hasStatus: true, categories: ['all'], hasScale: true },
  { kind: 'ReplicaSet', group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], hasStatus: true, categories: ['all'], hasScale: true },
  { kind: 'StatefulSet', group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', namespaced: true, shortNames: ['sts'], hasStatus: true, categories: ['all'], hasScale: true },
  { kind: 'HorizontalPodAutoscaler', group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler', namespaced: true, shortNames: ['hpa'], hasStatus: true, categories: ['all'] },
  { kind: 'CronJob', group: 'batch', version: 'v1', plural: 'cronjobs', singular: 'cronjob', namespaced: true, shortNames: ['cj'], hasStatus: true, categories: ['all'] },
  { kind: 'Job', group: 'batch', version: 'v1', plural: 'jobs', singular: 'job', namespaced: true, shortNames: [], hasStatus: true, categories: ['all'] },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', singular: 'endpointslice', namespaced: true, shortNames: [], hasStatus: false },
  { kind: 'Ingress', group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'], hasStatus: true },
  { kind: 'IngressClass', group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', singular: 'ingressclass', namespaced: false, shortNames: [], hasStatus: false },
  { kind: 'NetworkPolicy', group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', singular: 'networkpolicy', namespaced: true, shortNames: ['netpol'], hasStatus: false },
  { kind: 'PodDisruptionBudget', group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', singular: 'poddisruptionbudget', namespaced: true, shortNames: ['pdb'], hasStatus: true },
  { kind: 'PersistentVolumeClaim', group: '', version: 'v1', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', namespaced: true, shortNames: ['pvc'], hasStatus: true },
  { kind: 'PersistentVolume', group: '', version: 'v1', plural: 'persistentvolumes', singular: 'persistentvolume', namespaced: false, shortNames: ['pv'], hasStatus: true },
  { kind: 'StorageClass', group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', singular: 'storageclass', namespaced: false, shortNames: ['sc'], hasStatus: false },
  // upstream's rbac group lists its resources alphabetically and gives them no short names
  { kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false, shortNames: [], hasStatus: false },
  { kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', singular: 'clusterrole', namespaced: false, shortNames: [], hasStatus: false },
  { kind: 'RoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', singular: 'rolebinding', namespaced: true, shortNames: [], hasStatus: false },
  { kind: 'Role', group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', singular: 'role', namespaced: true, shortNames: [], hasStatus: false },
  // the Gateway API, as its v1.2 standard-channel CRDs serve it (in their category gateway-api, never in all)
  { kind: 'GatewayClass', group: GATEWAY_GROUP, version: 'v1', plural: 'gatewayclasses', singular: 'gatewayclass', namespaced: false, shortNames: ['gc'], hasStatus: true, categories: ['gateway-api'] },
  { kind: 'Gateway', group: GATEWAY_GROUP, version: 'v1', plural: 'gateways', singular: 'gateway', namespaced: true, shortNames: ['gtw'], hasStatus: true, categories: ['gateway-api'] },
  { kind: 'HTTPRoute', group: GATEWAY_GROUP, version: 'v1', plural: 'httproutes', singular: 'httproute', namespaced: true, shortNames: [], hasStatus: true, categories: ['gateway-api'] },
  { kind: 'ReferenceGrant', group: GATEWAY_GROUP, version: 'v1beta1', plural: 'referencegrants', singular: 'referencegrant', namespaced: true, shortNames: ['refgrant'], hasStatus: false, categories: ['gateway-api'] },
];

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

const byKind = new Map(RESOURCES.map((r) => [r.kind, r]));
const byPlural = new Map(RESOURCES.map((r) => [r.plural, r]));

/** The group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOfApiVersion(apiVersion: string | undefined): string {
  const slash = apiVersion?.indexOf('/') ?? -1;
  return slash >= 0 ? apiVersion!.slice(0, slash) : '';
}

/** The served resource of a group and kind, whatever the version (an ownerReference's). */
export function resourceForGroupKind(group: string, kind: string): ResourceInfo | undefined {
  const r = byKind.get(kind);
  return r && r.group === group ? r : undefined;
}

/** Resolves a manifest's apiVersion+kind; undefined means "no matches". */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const r = byKind.get(kind);
  return r && apiVersionOf(r) === apiVersion ? r : undefined;
}

export function resourceForPlural(plural: string): ResourceInfo | undefined {
  return byPlural.get(plural);
}

/** The kinds in a category (`all`), in the order they are served; empty when no kind is in it. */
export function resourcesInCategory(category: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.categories?.includes(category));
}

/** Resolves what a user types on the command line: `svc`, `pods`, `Deployment`, `deployments.apps`. */
export function resourceForName(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase().split('.')[0]!;
  return RESOURCES.find((r) => r.plural === lower || r.singular === lower || r.shortNames.includes(lower) || r.kind.toLowerCase() === lower);
}

/** REST path of a collection or object, as the Kubernetes API lays it out. */
export function resourcePath(r: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (name && subresource) p += `/${subresource}`;
  return p;
}

export const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'ingress-nginx'] as const;

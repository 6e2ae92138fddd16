// Discovery documents (/version, /api, /apis, /api/v1, /apis/{g}/{v}) so that
// kubectl and @kubernetes/client-node can find the served kinds (and the
// create-only authorization reviews, access-review.ts). Pure: path in,
// JSON body out (undefined = not a discovery path).

import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import { splitPath } from './router.js';
import { SCALABLE } from './scale.js';
import { REVIEW_RESOURCES, REVIEW_VERBS } from './access-review.js';

/** The Kubernetes minor version whose API semantics podnet follows. */
export const KUBE_VERSION = { major: '1', minor: '31', gitVersion: 'v1.31.0-podnet' };
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_DELETECOLLECTION_VERBS = VERBS.filter((v) => v !== 'deletecollection');

/** Whether DELETE on the kind's collection is served: upstream serves it for every kind but namespaces. */
export function servesDeleteCollection(info: ResourceInfo): boolean {
  return info.kind !== 'Namespace';
}
const STATUS_VERBS = ['get', 'patch', 'update'];

function verbsOf(r: ResourceInfo): string[] {
  if (REVIEW_RESOURCES.includes(r)) return REVIEW_VERBS;
  return servesDeleteCollection(r) ? VERBS : NO_DELETECOLLECTION_VERBS;
}

/** Named groups and their kinds: the stored kinds, then authorization.k8s.io's reviews (create only). */
function groups(): Map<string, ResourceInfo[]> {
  const m = new Map<string, ResourceInfo[]>();
  for (const r of [...RESOURCES, ...REVIEW_RESOURCES]) {
    if (!r.group) continue;
    const list = m.get(r.group) ?? [];
    list.push(r);
    m.set(r.group, list);
  }
  return m;
}

/**
 * A group's versions, the first served one preferred: most groups serve one,
 * gateway.networking.k8s.io two (ReferenceGrant is v1beta1 only).
 */
function apiGroup(name: string, rs: ResourceInfo[]) {
  const versions = [...new Set(rs.map((r) => r.version))].map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions, preferredVersion: versions[0]! };
}

function resourceList(groupVersion: string, rs: ResourceInfo[]) {
  const resources: object[] = [];
  for (const r of rs) {
    resources.push({
      name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: verbsOf(r),
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    if (r.hasStatus) resources.push({ name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: STATUS_VERBS });
    // the subresources kubectl looks up by discovery (scale) or clients call (finalize)
    if (SCALABLE.has(r.kind)) resources.push({ name: `${r.plural}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: STATUS_VERBS });
    if (r.kind === 'Namespace') resources.push({ name: 'namespaces/finalize', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

export function discoveryDocument(pathname: string): object | undefined {
  const parts = splitPath(pathname);
  const path = parts.join('/');
  if (path === 'version') {
    return { ...KUBE_VERSION, gitCommit: '', gitTreeState: 'clean', buildDate: '', goVersion: '', compiler: 'node', platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}` };
  }
  if (path === 'api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] };
  if (path === 'api/v1') return resourceList('v1', RESOURCES.filter((r) => r.group === ''));
  const g = groups();
  if (path === 'apis') {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...g.entries()].map(([name, rs]) => apiGroup(name, rs)) };
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const rs = g.get(parts[1]!);
    return rs ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(parts[1]!, rs) } : undefined;
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const rs = g.get(parts[1]!)?.filter((r) => r.version === parts[2]);
    return rs?.length ? resourceList(`${parts[1]}/${parts[2]}`, rs) : undefined;
  }
  return undefined;
}

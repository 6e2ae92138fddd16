// Maps a Kubernetes REST path onto a resource request:
//   /api/v1/[watch/]namespaces/{ns}/{plural}[/{name}[/{subresource}]]
//   /api/v1/[watch/]{plural}[/{name}[/{subresource}]]      (cluster-scoped kinds, all-namespace lists)
//   /apis/{group}/{version}/... the same for named groups
// /api/v1/namespaces/{name}[/status] is the Namespace object itself.
// Paths that are not resource requests (discovery, /version, ...) give undefined.

import { resourceForPlural, type ResourceInfo } from '../api/resources.js';
import { apiErrors } from '../errors.js';
import { notServed } from './registry.js';

export interface ResourceRoute {
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** the deprecated /watch/ path prefix was used */
  watch: boolean;
}

export function splitPath(pathname: string): string[] {
  try {
    return pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw apiErrors.badRequest(`malformed path: ${pathname}`);
  }
}

export function routeResource(pathname: string): ResourceRoute | undefined {
  const parts = splitPath(pathname);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 0) return undefined;
  const watch = rest[0] === 'watch';
  if (watch) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) throw notServed();
  const [plural, name, subresource] = rest;
  const info = resourceForPlural(plural!);
  if (!info || info.group !== group || info.version !== version) throw notServed();
  if (namespace !== undefined && !info.namespaced) throw notServed();
  return { info, namespace, name, subresource, watch };
}

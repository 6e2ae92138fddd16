// How kubectl names an object in `-o name`, in `get a,b` tables and in apply's
// "deployment.apps/web created": lower-case Kind, then `.group` unless it is the
// core group, then `/name` (schema.GroupKind.String(), lower-cased).

import type { KubeObject } from '../../api/types.js';
import { groupOfApiVersion, RESOURCES } from '../../api/resources.js';


/** `deployment.apps`, `service`, `endpointslice.discovery.k8s.io` */
export function kindQualifier(kind: string, apiVersion?: string): string {
  const known = RESOURCES.find((r) => r.kind === kind);
  const group = known ? known.group : groupOfApiVersion(apiVersion);
  return (group ? `${kind}.${group}` : kind).toLowerCase();
}

/** `deployment.apps/web`, `pod/web-1`, `ingressclass.networking.k8s.io/nginx` */
export function kindSlashName(obj: Pick<KubeObject, 'kind' | 'apiVersion' | 'metadata'>): string {
  return `${kindQualifier(obj.kind, obj.apiVersion)}/${obj.metadata?.name ?? ''}`;
}

// ServiceAccounts as the API server and kube-controller-manager keep them:
// every namespace has one named `default` (made with the namespace, in the
// registry's batch, and made again by src/controllers/service-account.ts),
// and a new Pod passes upstream's ServiceAccount admission: an empty
// serviceAccountName becomes `default`, and an account that does not exist
// refuses the pod with 403. podnet issues no tokens, so unlike upstream's
// plugin this one mounts nothing, whatever automountServiceAccountToken says.

import { ApiError } from '../errors.js';
import type { Namespace, Pod, ServiceAccount } from './types.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** The account a namespace gets, as upstream's controller makes it: a name and nothing else. */
export function defaultServiceAccount(namespace: string): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } };
}

/** Upstream makes the account in an Active namespace only: a Terminating one is being emptied. */
export function wantsDefaultServiceAccount(ns: Namespace): boolean {
  return ns.status?.phase === 'Active' && !ns.metadata.deletionTimestamp;
}

/** The account a pod template's pods will run as (admission's default when it names none). */
export function templateServiceAccount(spec: Pod['spec'] | undefined): string {
  return spec?.serviceAccountName || spec?.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
}

/**
 * admission.NewForbidden for a pod: upstream names it as the request did,
 * before any name generation, so a pod sent with only generateName is
 * `pods "web-7d4b9c8f6-"`.
 */
function forbidden(shownName: string, reason: string): ApiError {
  return new ApiError({
    apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden',
    message: `pods "${shownName}" is forbidden: ${reason}`,
    details: { name: shownName, group: '', kind: 'pods' },
  });
}

/**
 * The ServiceAccount admission plugin on a Pod create, after defaulting:
 * the account defaults to `default` (the deprecated alias follows it), must
 * exist in the pod's namespace (403 otherwise, in upstream's words), and
 * lends its imagePullSecrets to a pod that lists none. A serviceAccountName
 * of the wrong JSON type is left for validation to report.
 */
export function admitServiceAccount(pod: Pod, shownName: string, find: (namespace: string, name: string) => ServiceAccount | undefined): void {
  const spec = pod.spec as Pod['spec'] | undefined;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return;
  if (spec.serviceAccountName !== undefined && spec.serviceAccountName !== null && typeof spec.serviceAccountName !== 'string') return;
  const name = spec.serviceAccountName || DEFAULT_SERVICE_ACCOUNT;
  spec.serviceAccountName = name;
  spec.serviceAccount = name;
  const namespace = pod.metadata.namespace ?? '';
  const account = find(namespace, name);
  if (!account) throw forbidden(shownName, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
  const own = spec.imagePullSecrets;
  if ((own === undefined || own === null || (Array.isArray(own) && own.length === 0)) && account.imagePullSecrets?.length) {
    spec.imagePullSecrets = account.imagePullSecrets.map((s) => ({ name: s.name }));
  }
}

// pods/NAME/portforward and pods/NAME/attach: subresources kube-apiserver
// serves and podnet does not. A learner who types `kubectl port-forward`,
// `kubectl attach` or `kubectl run -it` meets them first, and a bare
// "the server could not find the requested resource" reads as if the pod
// were missing. So both are answered with what podnet offers instead.
//
// Why 400 BadRequest: kubectl shows the Status's message for any code of an
// upgrade it was refused (port-forward as "error upgrading connection: MSG",
// attach as "Error from server (REASON): MSG", run -it in its "couldn't
// attach" warning before it falls back to the logs), but the reason is
// printed too, and NotFound would still say the pod is missing. 422 is the
// one code kubectl rewords ("The request is invalid"). The pod is looked up
// first, so a missing one is still upstream's 404.

import type { ResourceInfo } from '../api/resources.js';
import { ApiError } from '../errors.js';
import type { Registry } from './registry.js';

/** The refusal for a pod stream podnet does not serve, or undefined when the subresource is not one of them. */
export function unservedPodStream(registry: Registry, info: ResourceInfo, namespace: string | undefined, name: string | undefined, subresource: string | undefined): ApiError | undefined {
  if (info.kind !== 'Pod' || !namespace || !name) return undefined;
  const message = subresource === 'portforward' ? portForwardMessage(namespace, name)
    : subresource === 'attach' ? attachMessage(namespace, name)
    : undefined;
  if (message === undefined) return undefined;
  registry.get(info, namespace, name); // 404 for a pod that is not there
  return new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 400, reason: 'BadRequest', message });
}

/** `-n NS ` for podnet's commands, nothing in the default namespace */
const namespaceFlag = (namespace: string) => namespace === 'default' ? '' : `-n ${namespace} `;

function portForwardMessage(namespace: string, name: string): string {
  return `podnet's API server does not serve pods/portforward, so kubectl port-forward cannot work here; `
    + `podnet forwards ports from the node side instead: podnet port-forward ${namespaceFlag(namespace)}pod/${name} LOCAL:REMOTE `
    + `(also svc/, deploy/ or sts/NAME)`;
}

function attachMessage(namespace: string, name: string): string {
  const ns = namespaceFlag(namespace);
  return `podnet's API server does not serve pods/attach (podnet keeps no container's stdin or terminal), `
    + `so kubectl attach and kubectl run -i/-it cannot connect; for a shell in the pod use: podnet exec -it ${ns}${name} -- sh; `
    + `instead of run -it, give run the command (kubectl run NAME --image=IMAGE --command -- sh -c '...') and read its output with kubectl logs ${ns}NAME`;
}

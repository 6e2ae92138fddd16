// Publishes the cluster's root CA into every namespace as the ConfigMap
// kube-root-ca.crt (upstream's root-ca-cert-publisher in the
// kube-controller-manager). Pods read it through the kube-api-access-*
// projected volume every service-account pod carries; without it such a pod
// never gets its volume. The ConfigMap is the controller's: deleted, it comes
// back; its data changed, it is reset. Keyed by namespace.

import type { ConfigMap, Namespace } from '../api/types.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';

import { Controller } from './controller.js';
import type { InformerSource, SharedInformer } from './informers.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** upstream's text, word for word: clients may show it, and it says what the ConfigMap promises */
export const ROOT_CA_DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * Whether cm needs no write: the CA as its only data, and a description. Any
 * description will do (a user may reword it, as upstream allows); a reset
 * writes ours again.
 */
export function isPublished(cm: ConfigMap, rootCA: string): boolean {
  const keys = Object.keys(cm.data ?? {});
  return keys.length === 1 && cm.data?.[ROOT_CA_KEY] === rootCA && !!cm.metadata.annotations?.[DESCRIPTION_ANNOTATION];
}

function isTerminating(ns: Namespace): boolean {
  return !!ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating';
}

export class RootCACertPublisher extends Controller {
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly configMaps: SharedInformer<ConfigMap>;

  /** `rootCA`: the CA certificate (PEM); the daemon makes it while the API server starts, so syncs wait for it */
  constructor(source: InformerSource, private readonly client: Client, private readonly rootCA: Promise<string>) {
    super('root-ca-cert-publisher', 1);
    this.namespaces = source.informer<Namespace>('namespaces');
    this.configMaps = source.informer<ConfigMap>('configmaps');
    this.namespaces.addHandlers({
      add: (ns) => this.enqueue(ns.metadata.name!),
      update: (_old, ns) => { if (!isTerminating(ns)) this.enqueue(ns.metadata.name!); },
    });
    // Only the events that can undo our work: a creation is ours, or a user's
    // in a namespace whose sync is queued anyway.
    const ours = (cm: ConfigMap) => { if (cm.metadata.name === ROOT_CA_CONFIGMAP) this.enqueue(cm.metadata.namespace!); };
    this.configMaps.addHandlers({ update: (_old, cm) => ours(cm), delete: ours });
  }

  protected async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    // gone or going: the namespace controller is emptying it, a new ConfigMap would only be refused
    if (!ns || isTerminating(ns)) return;
    const rootCA = await this.rootCA;
    const cm = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP);
    if (!cm) {
      try {
        await this.client.create<ConfigMap>({
          apiVersion: 'v1', kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
          data: { [ROOT_CA_KEY]: rootCA },
        });
      } catch (err) {
        // Our cache can be behind a namespace's deletion: the API server then
        // refuses (NotFound, or Forbidden with the NamespaceTerminating cause),
        // and a retry would never succeed.
        if (isApiError(err, 'NotFound') || isNamespaceTerminating(err)) return;
        throw err;
      }
      return;
    }
    if (isPublished(cm, rootCA)) return;
    // Written with the cached resourceVersion: a Conflict means a newer
    // version is on its way to the cache, and the retry looks at that one.
    await this.client.update<ConfigMap>({
      ...cm,
      metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
      data: { [ROOT_CA_KEY]: rootCA },
    });
  }
}

function isNamespaceTerminating(err: unknown): boolean {
  return isApiError(err, 'Forbidden') && !!err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
}

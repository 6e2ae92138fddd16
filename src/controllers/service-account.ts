// Keeps a ServiceAccount named `default` in every Active namespace, as the
// kube-controller-manager's serviceaccounts controller does: deleted, it is
// made again; a Terminating namespace gets none (the namespace controller is
// emptying it). The registry already makes it with each namespace, in the
// same batch, so this controller only repairs. Keyed by namespace.
//
// Also here: the nudge that lets a workload's pods come up once the account
// they wait for is made (wakeWorkloadsOnServiceAccount, below).

import { DEFAULT_SERVICE_ACCOUNT, defaultServiceAccount, templateServiceAccount, wantsDefaultServiceAccount } from '../api/service-accounts.js';
import type { KubeObject, Namespace, PodTemplateSpec, ServiceAccount } from '../api/types.js';
import type { Client } from '../client/client.js';
import { isApiError } from '../errors.js';

import { Controller } from './controller.js';
import { keyOf, type InformerSource, type SharedInformer } from './informers.js';

export class ServiceAccountsController extends Controller {
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly accounts: SharedInformer<ServiceAccount>;

  constructor(source: InformerSource, private readonly client: Client) {
    super('serviceaccount-controller', 1);
    this.namespaces = source.informer<Namespace>('namespaces');
    this.accounts = source.informer<ServiceAccount>('serviceaccounts');
    this.namespaces.addHandlers({ add: (ns) => this.enqueue(ns.metadata.name!), update: (_old, ns) => this.enqueue(ns.metadata.name!) });
    // only a deletion can undo our work
    this.accounts.addHandlers({ delete: (sa) => { if (sa.metadata.name === DEFAULT_SERVICE_ACCOUNT) this.enqueue(sa.metadata.namespace!); } });
  }

  protected async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    if (!ns || !wantsDefaultServiceAccount(ns)) return;
    if (this.accounts.get(namespace, DEFAULT_SERVICE_ACCOUNT)) return;
    try {
      await this.client.create(defaultServiceAccount(namespace));
    } catch (err) {
      // Made meanwhile (the registry makes it with the namespace), or our
      // cache is behind the namespace's deletion (NotFound, or Forbidden with
      // the NamespaceTerminating cause): nothing a retry would change.
      if (isApiError(err, 'AlreadyExists') || isApiError(err, 'NotFound')) return;
      if (isApiError(err, 'Forbidden') && err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
      throw err;
    }
  }
}

/** A workload controller whose pods name a ServiceAccount in their template: its kind's plural, and how to look at one of its objects again. */
export interface WorkloadQueue {
  plural: string;
  enqueue(key: string): void;
}

type Workload = KubeObject & { spec?: { template?: PodTemplateSpec } };

/**
 * When a ServiceAccount is made, the workloads of its namespace whose pods
 * run as it are synced again. Their pods were refused while it was missing
 * (403 from admission, a FailedCreate event), and the work queue retries a
 * failing sync with back-off only so many times before it drops the key;
 * upstream's ReplicaSet controller retries for ever. With this nudge the
 * pods come up as soon as the account is applied, however late.
 */
export function wakeWorkloadsOnServiceAccount(source: InformerSource, queues: readonly WorkloadQueue[]): void {
  const workloads = queues.map((q) => ({ q, informer: source.informer<Workload>(q.plural) }));
  source.informer<ServiceAccount>('serviceaccounts').addHandlers({
    add: (sa) => {
      for (const { q, informer } of workloads) {
        for (const w of informer.list(sa.metadata.namespace)) {
          if (templateServiceAccount(w.spec?.template?.spec) === sa.metadata.name) q.enqueue(keyOf(w));
        }
      }
    },
  });
}

// The typed client every component uses. Two implementations share this
// contract: HttpClient (over the cluster's Unix socket, for the CLI and node
// agents) and LocalClient (in-process, for controllers inside the daemon).

import type { KubeList, KubeObject, Status, WatchEvent } from '../api/types.js';
import type { FieldValidation } from '../api/known-fields.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

export interface WatchOptions extends ListOptions {
  /** start after this resourceVersion; '' or undefined = from now */
  resourceVersion?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** deprecated: true is propagationPolicy Orphan */
  orphanDependents?: boolean;
  /** only delete if the stored object still has this uid / resourceVersion */
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WriteOptions {
  /**
   * 'finalize': a namespace's spec.finalizers (update only; the namespace
   * controller's); 'scale': a Deployment's or StatefulSet's Scale (patch,
   * over HTTP only: the in-process client serves no subresource views)
   */
  subresource?: 'status' | 'finalize' | 'scale';
  /** the API's dryRun=All: checked and answered as if written, nothing stored */
  dryRun?: boolean;
  /**
   * The API's fieldValidation: what the server does with fields the kind
   * does not know (Strict refuses the write, Warn drops them and says so,
   * Ignore drops them). Unset: the server's default (Warn over HTTP; the
   * in-process client's writes are not checked).
   */
  fieldValidation?: FieldValidation;
  /** patch only: a JSON merge patch (default) or a strategic merge patch (lists merged on their keys, `$patch` directives) */
  patchType?: 'merge' | 'strategic';
}

export interface WatchHandle {
  stop(): void;
  /** settles when the watch ends: resolves on stop(), rejects with ApiError (e.g. 410 Expired) or a transport error */
  done: Promise<void>;
}

/** `plural` is the REST plural (pods, services, deployments, ...); namespace is ignored for cluster-scoped kinds. */
export interface Client {
  get<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(plural: string, namespace?: string, options?: ListOptions): Promise<KubeList<T>>;
  create<T extends KubeObject>(obj: T, options?: Pick<WriteOptions, 'dryRun' | 'fieldValidation'>): Promise<T>;
  update<T extends KubeObject>(obj: T, options?: WriteOptions): Promise<T>;
  /** JSON merge patch (RFC 7386), or a strategic merge patch with options.patchType */
  patch<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, name: string, patch: unknown, options?: WriteOptions): Promise<T>;
  delete(plural: string, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<KubeObject | Status>;
  watch<T extends KubeObject = KubeObject>(plural: string, namespace: string | undefined, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): WatchHandle;
}

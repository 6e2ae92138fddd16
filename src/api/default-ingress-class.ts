// The DefaultIngressClass admission plugin (plugin/pkg/admission/network/
// defaultingressclass): an Ingress created without a class, neither
// spec.ingressClassName nor the deprecated kubernetes.io/ingress.class
// annotation, is given the cluster's default IngressClass. It happens once, at
// create: changing the default later never moves an existing Ingress, and an
// Ingress created while there is no default stays without a class (pure).

import type { Ingress, IngressClass } from './types.js';
import { newestDefault } from './default-class.js';

export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** the deprecated class annotation, read before spec.ingressClassName existed */
export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** The default class: the one annotated so; with several, the newest (then by name), as upstream since 1.26. */
export function defaultIngressClass(classes: readonly IngressClass[]): IngressClass | undefined {
  return newestDefault(classes, (c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
}

/** Sets spec.ingressClassName on an Ingress being created without a class; true when it did. */
export function admitIngressClass(ingress: Ingress, classes: readonly IngressClass[]): boolean {
  if (ingress.spec?.ingressClassName) return false;
  if (ingress.metadata.annotations?.[CLASS_ANNOTATION] !== undefined) return false;
  const chosen = defaultIngressClass(classes);
  if (!chosen?.metadata.name) return false;
  ingress.spec = { ...(ingress.spec ?? {}), ingressClassName: chosen.metadata.name };
  return true;
}

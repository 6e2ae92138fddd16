// Which Ingresses this controller serves (networking.k8s.io/v1 IngressClass),
// as ingress-nginx decides (internal/ingress/controller/store: GetIngressClass
// and its IngressClass lister, which holds only classes of our controller):
//  - spec.ingressClassName must name an IngressClass that exists and whose
//    spec.controller is ours; a missing class, or one of another controller,
//    is not ours whatever its name;
//  - no class name: the deprecated `kubernetes.io/ingress.class` annotation,
//    compared with our --ingress-class value (no IngressClass object needed);
//  - neither: ours only if the cluster's default IngressClass is ours.

import { CLASS_ANNOTATION, DEFAULT_CLASS_ANNOTATION } from '../api/default-ingress-class.js';
import type { Ingress, IngressClass } from '../api/types.js';

export const DEFAULT_CLASS_NAME = 'nginx';
export const CONTROLLER_NAME = 'k8s.io/ingress-nginx';

export interface ClassConfig {
  /** the value of the deprecated class annotation we answer to (ingress-nginx --ingress-class) */
  className: string;
  /** spec.controller of IngressClasses that are ours (ingress-nginx --controller-class) */
  controller: string;
}

export const DEFAULT_CLASS_CONFIG: ClassConfig = { className: DEFAULT_CLASS_NAME, controller: CONTROLLER_NAME };

function isOurs(ic: IngressClass, config: ClassConfig): boolean {
  return ic.spec?.controller === config.controller;
}

/** The default IngressClass exists and is ours. More than one default: the API server's admission rejects that case, so any ours wins. */
export function defaultClassIsOurs(classes: readonly IngressClass[], config: ClassConfig): boolean {
  return classes.some((ic) => ic.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' && isOurs(ic, config));
}

export function servedByUs(ing: Ingress, classes: readonly IngressClass[], config: ClassConfig = DEFAULT_CLASS_CONFIG): boolean {
  const named = ing.spec?.ingressClassName;
  if (named) return classes.some((ic) => ic.metadata.name === named && isOurs(ic, config));
  const annotated = ing.metadata.annotations?.[CLASS_ANNOTATION];
  if (annotated !== undefined && annotated !== '') return annotated === config.className;
  return defaultClassIsOurs(classes, config);
}

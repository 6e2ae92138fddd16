// Which Ingresses this controller serves (networking.k8s.io/v1 IngressClass;
// ingress-nginx's class filtering): spec.ingressClassName naming our class, or
// no class at all while the cluster's default IngressClass is ours, or the
// deprecated `kubernetes.io/ingress.class` annotation naming our class.

import type { Ingress, IngressClass } from '../api/types.js';

export const DEFAULT_CLASS_NAME = 'nginx';
export const CONTROLLER_NAME = 'k8s.io/ingress-nginx';
export const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export interface ClassConfig {
  /** the IngressClass name we answer to (ingress-nginx --ingress-class) */
  className: string;
  /** spec.controller of IngressClasses that are ours (ingress-nginx --controller-class) */
  controller: string;
}

export const DEFAULT_CLASS_CONFIG: ClassConfig = { className: DEFAULT_CLASS_NAME, controller: CONTROLLER_NAME };

function isOurs(ic: IngressClass, config: ClassConfig): boolean {
  return ic.metadata.name === config.className && (ic.spec?.controller ?? config.controller) === config.controller;
}

/** The default IngressClass exists and is ours. More than one default: the API server's admission rejects that case, so any ours wins. */
export function defaultClassIsOurs(classes: readonly IngressClass[], config: ClassConfig): boolean {
  return classes.some((ic) => ic.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' && isOurs(ic, config));
}

export function servedByUs(ing: Ingress, classes: readonly IngressClass[], config: ClassConfig = DEFAULT_CLASS_CONFIG): boolean {
  const named = ing.spec?.ingressClassName;
  if (named) return named === config.className;
  const annotated = ing.metadata.annotations?.[CLASS_ANNOTATION];
  if (annotated !== undefined && annotated !== '') return annotated === config.className;
  return defaultClassIsOurs(classes, config);
}

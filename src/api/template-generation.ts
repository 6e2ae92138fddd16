// A DaemonSet's template generation: the API server bumps it, the controller
// labels its pods with it.

import type { KubeObject } from './types.js';

/**
 * apps/v1 keeps a DaemonSet's internal spec.templateGeneration in this
 * annotation: 1 on create, one more each time the template changes (upstream's
 * daemonset strategy). Its pods carry it as pod-template-generation.
 */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export function templateGenerationOf(obj: KubeObject): number {
  const n = Number(obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

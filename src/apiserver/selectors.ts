// Label and field selectors of list/watch requests, compiled into one
// predicate. Label syntax is src/api/labels.ts's; field selectors are ours
// (field-selectors.ts). Malformed selectors are a 400 BadRequest.

import type { KubeObject } from '../api/types.js';
import { matchesRequirements, parseSelector } from '../api/labels.js';
import { apiErrors } from '../errors.js';
import { compileFieldSelector, parseFieldSelector } from './field-selectors.js';

/** undefined = no selector (match everything, skip the per-object work). */
export function compileSelectors(plural: string, labelSelector?: string, fieldSelector?: string): ((obj: KubeObject) => boolean) | undefined {
  let labelPred: ((obj: KubeObject) => boolean) | undefined;
  let fieldPred: ((obj: KubeObject) => boolean) | undefined;
  if (labelSelector && labelSelector.trim() !== '') {
    let reqs: ReturnType<typeof parseSelector>;
    try {
      reqs = parseSelector(labelSelector);
    } catch (e) {
      // the parser's message already has upstream's "unable to parse requirement: " where upstream has it
      throw apiErrors.badRequest((e as Error).message);
    }
    labelPred = (o) => matchesRequirements(reqs, o.metadata.labels);
  }
  if (fieldSelector && fieldSelector.trim() !== '') {
    try {
      fieldPred = compileFieldSelector(plural, parseFieldSelector(fieldSelector));
    } catch (e) {
      throw apiErrors.badRequest((e as Error).message);
    }
  }
  if (labelPred && fieldPred) {
    const l = labelPred;
    const f = fieldPred;
    return (o) => l(o) && f(o);
  }
  return labelPred ?? fieldPred;
}

// A workload's pod template (`spec.template`), read and checked as upstream's
// ValidatePodTemplateSpec does for every kind that has one: its labels and
// annotations (reported under `spec.template.labels` and
// `spec.template.annotations`, upstream's paths), then its pod spec. Each
// kind adds its own rules around these (apps.ts, batch.ts).

import { field, type FieldError } from '../../errors.js';
import { validateLabels } from './label-rules.js';
import { validateAnnotations } from './meta.js';
import { validatePodSpec } from './pod.js';
import { optObj, optStringMap, type Obj } from './fields.js';

export interface ReadTemplate {
  template: Obj;
  meta: Obj | undefined;
  labels: Record<string, string> | undefined;
}

/** spec.template and its labels; a missing template is `spec.template: Required value`, a value of the wrong type its own error. */
export function readTemplate(spec: Obj, errs: FieldError[]): ReadTemplate | undefined {
  const template = optObj(spec, 'template', 'spec.template', errs);
  if (!template) { errs.push(field.required('spec.template')); return undefined; }
  const meta = optObj(template, 'metadata', 'spec.template.metadata', errs);
  return { template, meta, labels: optStringMap(meta, 'labels', 'spec.template.metadata.labels', errs) };
}

/** ValidatePodTemplateSpec: labels, annotations, then the pod spec (whose volumes may include `claimVolumes`). */
export function validateTemplateContents(t: ReadTemplate, errs: FieldError[], claimVolumes: readonly string[] = []): void {
  errs.push(...validateLabels(t.labels, 'spec.template.labels'));
  errs.push(...validateAnnotations(optStringMap(t.meta, 'annotations', 'spec.template.annotations', errs), 'spec.template.annotations'));
  errs.push(...validatePodSpec(t.template.spec, 'spec.template.spec', claimVolumes));
}

// Label maps and label keys (apimachinery meta/v1/validation ValidateLabels,
// ValidateLabelName). Errors name the map's path, not the key's: that is
// what upstream prints (`metadata.labels: Invalid value: "a b": ...`).

import { field, type FieldError } from '../../errors.js';
import { isLabelValue, isQualifiedName } from './names.js';

export function validateLabelName(key: string, path: string): FieldError[] {
  return isQualifiedName(key).map((m) => field.invalid(path, key, m));
}

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, path));
    if (typeof v !== 'string') {
      errs.push(field.invalid(path, v, 'must be a string'));
      continue;
    }
    for (const m of isLabelValue(v)) errs.push(field.invalid(path, v, m));
  }
  return errs;
}

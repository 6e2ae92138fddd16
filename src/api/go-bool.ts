// Go's strconv.ParseBool, which the Kubernetes tools use wherever a boolean
// arrives as text: the API server's `?orphanDependents=`, kubectl's
// `--cascade=true|false` and `--wait=false`, ingress-nginx's boolean
// annotations.

const TRUE_VALUES: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_VALUES: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** undefined: not one of the spellings Go accepts */
export function parseGoBool(text: string): boolean | undefined {
  if (TRUE_VALUES.has(text)) return true;
  if (FALSE_VALUES.has(text)) return false;
  return undefined;
}

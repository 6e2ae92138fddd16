// `kubectl describe` for the RBAC kinds (describe.go's RoleDescriber,
// ClusterRoleDescriber, RoleBindingDescriber, ClusterRoleBindingDescriber):
// a role's rules as kubectl's PolicyRule table, a binding's role and
// subjects. Neither shows a namespace or events, as kubectl's do not.

import type { ClusterRole, PolicyRule, Role, RoleBinding } from '../../api/types.js';
import { LEVEL_0, LEVEL_1, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline } from './describe-writer.js';

/** Go's %v of a []string: `[a b]`, `[]` for none (an empty string shows as nothing between the brackets). */
function goList(values: readonly string[] | undefined): string {
  return `[${(values ?? []).join(' ')}]`;
}

/**
 * rbac.BreakdownRule: one rule per group and resource (and per resource
 * name when the rule names some), one per non-resource URL; each keeps the
 * rule's verbs.
 */
function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const verbs = rule.verbs ?? [];
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      const names = rule.resourceNames ?? [];
      if (names.length === 0) out.push({ verbs, apiGroups: [group], resources: [resource] });
      for (const name of names) out.push({ verbs, apiGroups: [group], resources: [resource], resourceNames: [name] });
    }
  }
  for (const url of rule.nonResourceURLs ?? []) out.push({ verbs, nonResourceURLs: [url] });
  return out;
}

/**
 * rbac.CompactRules: broken-down resource rules for the same group, resource
 * and resource name become one, their verbs joined (each verb once, in the
 * order first seen); non-resource rules stay as they are, before them.
 */
function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    if (rule.nonResourceURLs?.length) { compacted.push(rule); continue; }
    const key = JSON.stringify([rule.apiGroups?.[0], rule.resources?.[0], rule.resourceNames?.[0] ?? null]);
    const existing = simple.get(key);
    if (!existing) { simple.set(key, { ...rule, verbs: [...rule.verbs] }); continue; }
    for (const verb of rule.verbs) if (!existing.verbs.includes(verb)) existing.verbs.push(verb);
  }
  return [...compacted, ...simple.values()];
}

/**
 * SortableRuleSlice orders rules by the protobuf String() of PolicyRule,
 * whose fields come in the order Verbs, APIGroups, Resources,
 * ResourceNames, NonResourceURLs: by verbs first, then groups, then the rest.
 */
function ruleSortKey(r: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},`
    + `ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;
}

/** CombineResourceGroup: `pods`, `deployments.apps`, `deployments.apps/scale`; empty for a non-resource rule. */
function resourceWithGroup(r: PolicyRule): string {
  const first = r.resources?.[0];
  if (first === undefined) return '';
  const slash = first.indexOf('/');
  const [resource, sub] = slash < 0 ? [first, undefined] : [first.slice(0, slash), first.slice(slash + 1)];
  const group = r.apiGroups?.[0];
  return `${resource}${group ? `.${group}` : ''}${sub !== undefined ? `/${sub}` : ''}`;
}

/** The rows of a role's PolicyRule table, as kubectl orders them. */
export function policyRuleRows(rules: readonly PolicyRule[] | undefined): PolicyRule[] {
  const rows = compactRules((rules ?? []).flatMap(breakdownRule));
  const keyed = rows.map((r) => ({ r, key: ruleSortKey(r) }));
  // a stable sort, as sort.Stable
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.r);
}

/** Role and ClusterRole alike. */
export function describeRole(role: Role | ClusterRole): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${role.metadata.name ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', role.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', role.metadata.annotations);
  w.write(LEVEL_0, 'PolicyRule:\n');
  w.write(LEVEL_1, 'Resources\tNon-Resource URLs\tResource Names\tVerbs\n');
  w.write(LEVEL_1, '---------\t-----------------\t--------------\t-----\n');
  for (const r of policyRuleRows(role.rules)) {
    w.write(LEVEL_1, `${resourceWithGroup(r)}\t${goList(r.nonResourceURLs)}\t${goList(r.resourceNames)}\t${goList(r.verbs)}\n`);
  }
  return w.toString();
}

/** RoleBinding and ClusterRoleBinding alike. */
export function describeRoleBinding(binding: RoleBinding): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${binding.metadata.name ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', binding.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', binding.metadata.annotations);
  w.write(LEVEL_0, 'Role:\n');
  w.write(LEVEL_1, `Kind:\t${binding.roleRef?.kind ?? ''}\n`);
  w.write(LEVEL_1, `Name:\t${binding.roleRef?.name ?? ''}\n`);
  w.write(LEVEL_0, 'Subjects:\n');
  w.write(LEVEL_1, 'Kind\tName\tNamespace\n');
  w.write(LEVEL_1, '----\t----\t---------\n');
  for (const s of binding.subjects ?? []) w.write(LEVEL_1, `${s.kind ?? ''}\t${s.name ?? ''}\t${s.namespace ?? ''}\n`);
  return w.toString();
}

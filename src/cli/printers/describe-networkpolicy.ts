// `kubectl describe networkpolicy` (describe.go describeNetworkPolicy and
// its spec printers), which prints selectors with metav1.FormatLabelSelector
// (selectors.ts), as the POD-SELECTOR column of `get networkpolicy` does.
// kubectl shows no events for a NetworkPolicy.

import type {
  LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort,
} from '../../api/types.js';
import { goTimeString } from './age.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, nsOf, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline } from './describe-writer.js';
import { formatLabelSelector } from './selectors.js';

const NONE = '<none>';
/** Every line of a rule is indented this much on top of its writer level, as describeNetworkPolicySpec passes it. */
const RULE_INDENT = '    ';

/** Each direction's policy type, and how its rules name their peers. */
const DIRECTIONS = {
  ingress: { policyType: 'Ingress', label: 'From', unrestricted: 'source' },
  egress: { policyType: 'Egress', label: 'To', unrestricted: 'destination' },
} as const;
type Direction = keyof typeof DIRECTIONS;

/** An ingress rule (peers from `from`) or an egress rule (peers from `to`). */
interface Rule { ports?: NetworkPolicyPort[]; peers?: NetworkPolicyPeer[] }

const present = <T>(v: T | undefined | null): v is T => v !== undefined && v !== null;

/** `To Port: 80/TCP`, a range `To Port Range: 32000-32768/TCP`; a port left out prints as Go prints a nil IntOrString. */
function portLine(p: NetworkPolicyPort): string {
  const port = present(p.port) ? String(p.port) : '<nil>';
  const protocol = p.protocol ?? 'TCP';
  return present(p.endPort) ? `To Port Range: ${port}-${p.endPort}/${protocol}` : `To Port: ${port}/${protocol}`;
}

/** One peer: its selectors (namespace first when it has both), or its ipBlock. */
function printPeer(w: PrefixWriter, peer: NetworkPolicyPeer): void {
  const selector = (title: string, sel: LabelSelector) => w.write(LEVEL_1, `${RULE_INDENT}${title}: ${formatLabelSelector(sel)}\n`);
  if (present(peer.namespaceSelector) || present(peer.podSelector)) {
    if (present(peer.namespaceSelector)) selector('NamespaceSelector', peer.namespaceSelector);
    if (present(peer.podSelector)) selector('PodSelector', peer.podSelector);
    return;
  }
  if (!present(peer.ipBlock)) return;
  w.write(LEVEL_1, `${RULE_INDENT}IPBlock:\n`);
  w.write(LEVEL_2, `${RULE_INDENT}CIDR: ${peer.ipBlock.cidr}\n`);
  w.write(LEVEL_2, `${RULE_INDENT}Except: ${(peer.ipBlock.except ?? []).join(', ')}\n`);
}

/** printNetworkPolicySpecIngressFrom / EgressTo: each rule's ports then peers, rules separated by a dashed line. */
function printRules(w: PrefixWriter, rules: readonly Rule[], direction: Direction): void {
  const { label, unrestricted } = DIRECTIONS[direction];
  if (rules.length === 0) {
    w.write(LEVEL_0, `${RULE_INDENT}<none> (Selected pods are isolated for ${direction} connectivity)\n`);
    return;
  }
  rules.forEach((rule, i) => {
    const ports = rule.ports ?? [];
    if (ports.length === 0) w.write(LEVEL_0, `${RULE_INDENT}To Port: <any> (traffic allowed to all ports)\n`);
    for (const p of ports) w.write(LEVEL_0, `${RULE_INDENT}${portLine(p)}\n`);
    const peers = rule.peers ?? [];
    if (peers.length === 0) w.write(LEVEL_0, `${RULE_INDENT}${label}: <any> (traffic not restricted by ${unrestricted})\n`);
    for (const peer of peers) {
      w.write(LEVEL_0, `${RULE_INDENT}${label}:\n`);
      printPeer(w, peer);
    }
    if (i !== rules.length - 1) w.write(LEVEL_0, `${RULE_INDENT}----------\n`);
  });
}

/** The text `kubectl describe networkpolicy` prints for `np`. */
export function describeNetworkPolicy(np: NetworkPolicy): string {
  const w = new PrefixWriter();
  const spec = np.spec ?? { podSelector: {} };
  w.write(LEVEL_0, `Name:\t${np.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(np)}\n`);
  w.write(LEVEL_0, `Created on:\t${goTimeString(np.metadata.creationTimestamp)}\n`);
  printLabelsMultiline(w, 'Labels', np.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', np.metadata.annotations);
  w.write(LEVEL_0, 'Spec:\n');
  w.write(LEVEL_1, 'PodSelector: ');
  const podSelector = formatLabelSelector(spec.podSelector);
  w.write(LEVEL_2, `${podSelector === NONE ? `${NONE} (Allowing the specific traffic to all pods in this namespace)` : podSelector}\n`);
  const types = spec.policyTypes ?? [];
  const sections: [Direction, Rule[]][] = [
    ['ingress', (spec.ingress ?? []).map((r) => ({ ports: r.ports, peers: r.from }))],
    ['egress', (spec.egress ?? []).map((r) => ({ ports: r.ports, peers: r.to }))],
  ];
  for (const [direction, rules] of sections) {
    if (types.includes(DIRECTIONS[direction].policyType)) {
      w.write(LEVEL_1, `Allowing ${direction} traffic:\n`);
      printRules(w, rules, direction);
    } else {
      w.write(LEVEL_1, `Not affecting ${direction} traffic\n`);
    }
  }
  w.write(LEVEL_1, `Policy Types: ${types.join(', ') || NONE}\n`);
  return w.toString();
}

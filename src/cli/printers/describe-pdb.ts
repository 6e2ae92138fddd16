// `kubectl describe poddisruptionbudget` (describe.go
// describePodDisruptionBudgetV1): the budget, its selector, and the counts
// the disruption controller last computed.

import type { Event, PodDisruptionBudget } from '../../api/types.js';
import { isSet } from '../../api/validation/fields.js';
import type { Instant } from './age.js';
import { describeEvents, LEVEL_0, LEVEL_2, nsOf, PrefixWriter } from './describe-writer.js';
import { formatLabelSelector } from './selectors.js';

export function describePodDisruptionBudget(pdb: PodDisruptionBudget, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  const spec = pdb.spec ?? {};
  w.write(LEVEL_0, `Name:\t${pdb.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(pdb)}\n`);
  if (isSet(spec.minAvailable)) w.write(LEVEL_0, `Min available:\t${spec.minAvailable}\n`);
  else if (isSet(spec.maxUnavailable)) w.write(LEVEL_0, `Max unavailable:\t${spec.maxUnavailable}\n`);
  w.write(LEVEL_0, `Selector:\t${spec.selector ? formatLabelSelector(spec.selector) : '<unset>'}\n`);
  const status = pdb.status;
  w.write(LEVEL_0, 'Status:\n');
  w.write(LEVEL_2, `Allowed disruptions:\t${status?.disruptionsAllowed ?? 0}\n`);
  w.write(LEVEL_2, `Current:\t${status?.currentHealthy ?? 0}\n`);
  w.write(LEVEL_2, `Desired:\t${status?.desiredHealthy ?? 0}\n`);
  w.write(LEVEL_2, `Total:\t${status?.expectedPods ?? 0}\n`);
  if (events) describeEvents(events, w, now);
  return w.toString();
}

// `kubectl describe daemonset` (describe.go describeDaemonSet): the selectors,
// the node counts from the status, the set's own pods by phase, its pod
// template and events.

import type { DaemonSet, Event, Pod } from '../../api/types.js';
import type { Instant } from './age.js';
import { describePodTemplate } from './describe-pod.js';
import { describeEvents, LEVEL_0, nsOf, podPhaseCounts, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline } from './describe-writer.js';
import { formatLabels, selectorString } from './selectors.js';

export function describeDaemonSet(ds: DaemonSet, events: readonly Event[] | undefined, pods: readonly Pod[], now: Instant): string {
  const w = new PrefixWriter();
  const st = ds.status ?? {};
  w.write(LEVEL_0, `Name:\t${ds.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(ds)}\n`);
  w.write(LEVEL_0, `Selector:\t${selectorString(ds.spec.selector)}\n`);
  w.write(LEVEL_0, `Node-Selector:\t${formatLabels(ds.spec.template?.spec?.nodeSelector)}\n`);
  printLabelsMultiline(w, 'Labels', ds.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ds.metadata.annotations);
  // these lines have no tab upstream, so the tabwriter leaves them as they are
  w.write(LEVEL_0, `Desired Number of Nodes Scheduled: ${st.desiredNumberScheduled ?? 0}\n`);
  w.write(LEVEL_0, `Current Number of Nodes Scheduled: ${st.currentNumberScheduled ?? 0}\n`);
  w.write(LEVEL_0, `Number of Nodes Scheduled with Up-to-date Pods: ${st.updatedNumberScheduled ?? 0}\n`);
  w.write(LEVEL_0, `Number of Nodes Scheduled with Available Pods: ${st.numberAvailable ?? 0}\n`);
  w.write(LEVEL_0, `Number of Nodes Misscheduled: ${st.numberMisscheduled ?? 0}\n`);
  w.write(LEVEL_0, `Pods Status:\t${podPhaseCounts(ds, pods)}\n`);
  describePodTemplate(ds.spec.template, w);
  if (events) describeEvents(events, w, now);
  return w.toString();
}

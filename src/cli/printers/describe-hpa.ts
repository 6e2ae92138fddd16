// HorizontalPodAutoscalers as kubectl prints them: TARGETS in `get`
// (printers.go formatHPAMetrics) and `describe` (describe.go
// describeHorizontalPodAutoscalerV2). A metric with no reading shows
// <unknown>, as every one does on podnet, which serves no metrics API.

import type { Event, HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, MetricStatus, MetricTarget, QuantityValue } from '../../api/types.js';
import { isSet } from '../../api/validation/fields.js';
import { canonicalQuantity } from '../../api/validation/volumes.js';
import { rfc1123z, type Instant } from './age.js';
import { describeEvents, LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, nsOf, PrefixWriter, printAnnotationsMultiline, printLabelsMultiline } from './describe-writer.js';

const UNKNOWN = '<unknown>';
/** formatHPAMetrics shows this many metrics, then "+ N more..." */
const METRICS_SHOWN = 2;

/** resource.Quantity's String(), `<nil>` for a missing one as on a nil *Quantity. */
function quantity(v: QuantityValue | undefined | null): string {
  if (v === undefined || v === null) return '<nil>';
  return canonicalQuantity(v) ?? String(v);
}

/** The reading of one source in a MetricStatus, untyped: podnet never writes one, but a status may carry it. */
type Reading = { current?: { value?: QuantityValue; averageValue?: QuantityValue; averageUtilization?: number } } | undefined;
function reading(status: MetricStatus | undefined, source: string): Reading {
  return status?.[source] as Reading;
}

/** `50%`, or <auto> when the target names no utilization */
function utilizationTarget(target: MetricTarget | undefined): string {
  return isSet(target?.averageUtilization) ? `${target!.averageUtilization}%` : '<auto>';
}

/** formatHPAMetrics: each metric as current/target, two of them, then how many more. */
export function formatHpaTargets(specs: readonly MetricSpec[] | undefined, statuses: readonly MetricStatus[] | null | undefined): string {
  if (!specs?.length) return '<none>';
  const list = specs.map((spec, i) => {
    const status = statuses?.[i];
    switch (spec.type) {
      case 'External': case 'Object': {
        const key = spec.type === 'External' ? 'external' : 'object';
        const target = spec.type === 'External' ? spec.external?.target : spec.object?.target;
        const r = reading(status, key);
        if (isSet(target?.averageValue)) return `${isSet(r?.current?.averageValue) ? quantity(r!.current!.averageValue) : UNKNOWN}/${quantity(target!.averageValue)} (avg)`;
        return `${r ? quantity(r.current?.value) : UNKNOWN}/${quantity(target?.value)}`;
      }
      case 'Pods': {
        const r = reading(status, 'pods');
        return `${r ? quantity(r.current?.averageValue) : UNKNOWN}/${quantity(spec.pods?.target?.averageValue)}`;
      }
      case 'Resource': case 'ContainerResource': {
        const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
        const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const r = reading(status, key);
        if (isSet(src?.target?.averageValue)) return `${src?.name ?? ''}: ${r ? quantity(r.current?.averageValue) : UNKNOWN}/${quantity(src!.target.averageValue)}`;
        const current = isSet(r?.current?.averageUtilization) ? `${r!.current!.averageUtilization}%` : UNKNOWN;
        return `${src?.name ?? ''}: ${current}/${utilizationTarget(src?.target)}`;
      }
      default:
        return '<unknown type>';
    }
  });
  const shown = list.slice(0, METRICS_SHOWN).join(', ');
  return list.length > METRICS_SHOWN ? `${shown} + ${list.length - METRICS_SHOWN} more...` : shown;
}

/** One metric's line(s) under `Metrics:`, as kubectl writes them. */
function describeMetric(w: PrefixWriter, spec: MetricSpec, status: MetricStatus | undefined): void {
  switch (spec.type) {
    case 'External': {
      const target = spec.external?.target;
      const r = reading(status, 'external');
      const name = JSON.stringify(spec.external?.metric?.name ?? '');
      if (isSet(target?.averageValue)) {
        w.write(LEVEL_1, `${name} (target average value):\t${isSet(r?.current?.averageValue) ? quantity(r!.current!.averageValue) : UNKNOWN} / ${quantity(target!.averageValue)}\n`);
      } else {
        w.write(LEVEL_1, `${name} (target value):\t${r ? quantity(r.current?.value) : UNKNOWN} / ${quantity(target?.value)}\n`);
      }
      return;
    }
    case 'Pods': {
      const r = reading(status, 'pods');
      w.write(LEVEL_1, `${JSON.stringify(spec.pods?.metric?.name ?? '')} on pods:\t${r ? quantity(r.current?.averageValue) : UNKNOWN} / ${quantity(spec.pods?.target?.averageValue)}\n`);
      return;
    }
    case 'Object': {
      const o = spec.object;
      const r = reading(status, 'object');
      w.write(LEVEL_1, `"${o?.metric?.name ?? ''}" on ${o?.describedObject?.kind ?? ''}/${o?.describedObject?.name ?? ''} `);
      if (o?.target?.type === 'AverageValue') w.write(LEVEL_0, `(target average value):\t${r ? quantity(r.current?.averageValue) : UNKNOWN} / ${quantity(o.target.averageValue)}\n`);
      else w.write(LEVEL_0, `(target value):\t${r ? quantity(r.current?.value) : UNKNOWN} / ${quantity(o?.target?.value)}\n`);
      return;
    }
    case 'Resource': case 'ContainerResource': {
      const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const r = reading(status, key);
      const container = spec.type === 'ContainerResource' ? ` of container "${spec.containerResource?.container ?? ''}"` : '';
      w.write(LEVEL_1, `resource ${src?.name ?? ''}${container} on pods`);
      if (isSet(src?.target?.averageValue)) {
        w.write(LEVEL_0, `:\t${r ? quantity(r.current?.averageValue) : UNKNOWN} / ${quantity(src!.target.averageValue)}\n`);
      } else {
        const current = isSet(r?.current?.averageUtilization) ? `${r!.current!.averageUtilization}% (${quantity(r!.current!.averageValue)})` : UNKNOWN;
        w.write(LEVEL_1, `(as a percentage of request):\t${current} / ${utilizationTarget(src?.target)}\n`);
      }
      return;
    }
    default:
      w.write(LEVEL_1, `<unknown metric type ${JSON.stringify(String((spec as { type?: unknown }).type ?? ''))}>\n`);
  }
}

/** printDirectionBehavior */
function describeDirection(w: PrefixWriter, direction: string, rules: HPAScalingRules | undefined): void {
  if (!rules) return;
  w.write(LEVEL_1, `${direction}:\n`);
  if (isSet(rules.stabilizationWindowSeconds)) w.write(LEVEL_2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds\n`);
  if (rules.policies?.length) {
    w.write(LEVEL_2, `Select Policy: ${rules.selectPolicy ?? 'Max'}\n`);
    w.write(LEVEL_2, 'Policies:\n');
    for (const p of rules.policies) w.write(LEVEL_3, `- Type: ${p.type}\tValue: ${p.value}\tPeriod: ${p.periodSeconds} seconds\n`);
  }
}

export function describeHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  const spec = hpa.spec;
  w.write(LEVEL_0, `Name:\t${hpa.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${nsOf(hpa)}\n`);
  printLabelsMultiline(w, 'Labels', hpa.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', hpa.metadata.annotations);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(hpa.metadata.creationTimestamp)}\n`);
  w.write(LEVEL_0, `Reference:\t${spec.scaleTargetRef?.kind ?? ''}/${spec.scaleTargetRef?.name ?? ''}\n`);
  w.write(LEVEL_0, 'Metrics:\t( current / target )\n');
  (spec.metrics ?? []).forEach((m, i) => describeMetric(w, m, hpa.status?.currentMetrics?.[i]));
  w.write(LEVEL_0, `Min replicas:\t${isSet(spec.minReplicas) ? spec.minReplicas : '<unset>'}\n`);
  w.write(LEVEL_0, `Max replicas:\t${spec.maxReplicas ?? 0}\n`);
  if (spec.behavior) {
    w.write(LEVEL_0, 'Behavior:\n');
    describeDirection(w, 'Scale Up', spec.behavior.scaleUp);
    describeDirection(w, 'Scale Down', spec.behavior.scaleDown);
  }
  w.write(LEVEL_0, `${spec.scaleTargetRef?.kind ?? ''} pods:\t`);
  w.write(LEVEL_0, `${hpa.status?.currentReplicas ?? 0} current / ${hpa.status?.desiredReplicas ?? 0} desired\n`);
  const conditions = hpa.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.write(LEVEL_0, 'Conditions:\n');
    w.write(LEVEL_1, 'Type\tStatus\tReason\tMessage\n');
    w.write(LEVEL_1, '----\t------\t------\t-------\n');
    for (const c of conditions) w.write(LEVEL_1, `${c.type}\t${c.status}\t${c.reason ?? ''}\t${c.message ?? ''}\n`);
  }
  if (events) describeEvents(events, w, now);
  return w.toString();
}

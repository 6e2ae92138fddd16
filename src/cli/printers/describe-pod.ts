// `kubectl describe pod`, and the container and pod-template sections that
// Deployments and StatefulSets share with it (describe.go: describePod,
// describeContainers, DescribePodTemplate).

import { podQOSClass } from '../../api/pod-qos.js';
import { resourceScale } from '../../api/quantity.js';
import type {
  Container, ContainerState, ContainerStatus, DownwardAPIVolumeSource, EnvVar, Event, Pod, PodTemplateSpec, Probe, ResourceFieldSelector, Volume,
} from '../../api/types.js';
import { ageSince, rfc1123z, type Instant } from './age.js';
import {
  describeEvents, LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, PrefixWriter, printAnnotationsMultiline, printControlledBy, printLabelsMultiline,
} from './describe-writer.js';

/** API-server defaults for a probe (core/v1 SetDefaults_Probe). */
const PROBE_DEFAULTS = { initialDelaySeconds: 0, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };

type Resources = { limits?: Record<string, string>; requests?: Record<string, string> };
type ProjectedSource = NonNullable<Volume['projected']>;
type ClaimSource = { claimName?: string; readOnly?: boolean };
type Toleration = { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number };
type VolumeMount = { name: string; mountPath: string; readOnly?: boolean; subPath?: string };

function stringOrNone(s: string): string { return s || '<none>'; }

function byString(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

/** describeProbe: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3` */
export function describeProbe(probe: Probe & { grpc?: { port: number; service?: string } }): string {
  const p = { ...PROBE_DEFAULTS, ...probe };
  const attrs = `delay=${p.initialDelaySeconds}s timeout=${p.timeoutSeconds}s period=${p.periodSeconds}s #success=${p.successThreshold} #failure=${p.failureThreshold}`;
  if (probe.exec) return `exec [${(probe.exec.command ?? []).join(' ')}] ${attrs}`;
  if (probe.httpGet) {
    const g = probe.httpGet;
    const scheme = (g.scheme ?? 'HTTP').toLowerCase();
    const port = String(g.port ?? '');
    const host = g.host ?? '';
    // net.JoinHostPort brackets IPv6 literals.
    const hostPort = port ? `${host.includes(':') ? `[${host}]` : host}:${port}` : host;
    return `http-get ${scheme}://${hostPort}${g.path ?? ''} ${attrs}`;
  }
  if (probe.tcpSocket) return `tcp-socket ${probe.tcpSocket.host ?? ''}:${probe.tcpSocket.port} ${attrs}`;
  if (probe.grpc) return `grpc <pod>:${probe.grpc.port} ${probe.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

/**
 * The value describe shows for a fieldRef env var (EnvValueRetriever). It is
 * not what the kubelet injects: kubectl's scheme has no field-label conversions
 * for Pod, so only metadata.name and metadata.namespace get through
 * ConvertFieldLabel, and every other path (status.podIP, spec.nodeName, labels,
 * annotations, uid) shows empty (kubernetes/kubernetes#109482).
 */
function resolveFieldRef(pod: Pod, fieldPath: string): string {
  if (fieldPath === 'metadata.name') return pod.metadata.name ?? '';
  if (fieldPath === 'metadata.namespace') return pod.metadata.namespace ?? '';
  return '';
}

/**
 * A resourceFieldRef env var's value as describe works it out
 * (resourcehelper.ExtractContainerResourceValue): from the described container's
 * own limits or requests, whatever containerName says, with none of the kubelet's
 * defaulting; a missing amount is 0, and a limits.cpu or limits.memory of 0
 * shows as "node allocatable". kubectl divides in float64 and rounds up, so
 * this does too; an unsupported resource shows empty.
 */
function resourceFieldRefValue(container: Container, ref: ResourceFieldSelector): string {
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage|hugepages-.*)$/.exec(ref.resource);
  if (!m) return '';
  const [, kind, name] = m as unknown as [string, 'limits' | 'requests', string];
  const list = container.resources?.[kind] ?? {};
  const scaled = resourceScale(name);
  const amount = Object.hasOwn(list, name) ? scaled(list[name]!) : 0n;
  const divisor = scaled(ref.divisor === undefined || ref.divisor === '' ? 0 : ref.divisor);
  if (amount === undefined || divisor === undefined) return '';
  const value = String(Math.ceil(Number(amount) / Number(divisor === 0n ? scaled(1)! : divisor)));
  return value === '0' && (ref.resource === 'limits.cpu' || ref.resource === 'limits.memory') ? 'node allocatable' : value;
}

function describeStatus(stateName: string, state: ContainerState | undefined, w: PrefixWriter): void {
  if (state?.running) {
    w.write(LEVEL_2, `${stateName}:\tRunning\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state?.waiting) {
    w.write(LEVEL_2, `${stateName}:\tWaiting\n`);
    if (state.waiting.reason) w.write(LEVEL_3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(LEVEL_2, `${stateName}:\tTerminated\n`);
    if (t.reason) w.write(LEVEL_3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(LEVEL_3, `Message:\t${t.message}\n`);
    w.write(LEVEL_3, `Exit Code:\t${t.exitCode}\n`);
    if ((t.signal ?? 0) > 0) w.write(LEVEL_3, `Signal:\t${t.signal}\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(LEVEL_3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(LEVEL_2, `${stateName}:\tWaiting\n`);
  }
}

function describeResources(resources: Resources | undefined, w: PrefixWriter, level: number): void {
  for (const [title, list] of [['Limits', resources?.limits], ['Requests', resources?.requests]] as const) {
    const names = Object.keys(list ?? {}).sort(byString);
    if (names.length > 0) w.write(level, `${title}:\n`);
    for (const n of names) w.write(level + 1, `${n}:\t${list![n]}\n`);
  }
}

/** describeContainerEnvFrom: one line per ConfigMap or Secret, only for a container that has envFrom. */
function describeEnvFrom(container: Container, w: PrefixWriter): void {
  w.write(LEVEL_2, 'Environment Variables from:\n');
  for (const e of container.envFrom ?? []) {
    const [ref, kind] = e.configMapRef ? [e.configMapRef, 'ConfigMap'] : e.secretRef ? [e.secretRef, 'Secret'] : [undefined, ''];
    const from = e.prefix ? `${kind} with prefix '${e.prefix}'` : kind;
    w.write(LEVEL_3, `${ref?.name ?? ''}\t${from}\tOptional: ${!!ref?.optional}\n`);
  }
}

function describeEnv(container: Container, pod: Pod | undefined, w: PrefixWriter): void {
  if ((container.envFrom ?? []).length > 0) describeEnvFrom(container, w);
  const env: EnvVar[] = container.env ?? [];
  w.write(LEVEL_2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of env) {
    const from = e.valueFrom;
    if (!from) {
      (e.value ?? '').split('\n').forEach((s, i) => w.write(LEVEL_3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`));
    } else if (from.fieldRef) {
      const value = pod ? resolveFieldRef(pod, from.fieldRef.fieldPath) : '';
      w.write(LEVEL_3, `${e.name}:\t${value} (${from.fieldRef.apiVersion ?? 'v1'}:${from.fieldRef.fieldPath})\n`);
    } else if (from.resourceFieldRef) {
      w.write(LEVEL_3, `${e.name}:\t${resourceFieldRefValue(container, from.resourceFieldRef)} (${from.resourceFieldRef.resource})\n`);
    } else if (from.secretKeyRef) {
      w.write(LEVEL_3, `${e.name}:\t<set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name}'>\tOptional: ${!!from.secretKeyRef.optional}\n`);
    } else if (from.configMapKeyRef) {
      w.write(LEVEL_3, `${e.name}:\t<set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name}'>\tOptional: ${!!from.configMapKeyRef.optional}\n`);
    }
  }
}

function describeMounts(container: Container, w: PrefixWriter): void {
  const mounts = [...((container['volumeMounts'] as VolumeMount[] | undefined) ?? [])].sort((a, b) => byString(a.mountPath, b.mountPath));
  w.write(LEVEL_2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw'];
    if (m.subPath) flags.push(`path=${JSON.stringify(m.subPath)}`);
    w.write(LEVEL_3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
  }
}

/** describeContainers: one block per container; statuses and pod only for a live pod. */
function describeContainers(label: string, containers: Container[], statuses: ContainerStatus[] | undefined, pod: Pod | undefined, w: PrefixWriter, space: string): void {
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  w.write(LEVEL_0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  for (const c of containers) {
    const status = statuses ? byName.get(c.name) : undefined;
    w.write(LEVEL_1, `${space ? ' ' : ''}${c.name}:\n`);
    if (status) w.write(LEVEL_2, `Container ID:\t${status.containerID ?? ''}\n`);
    w.write(LEVEL_2, `Image:\t${c.image ?? ''}\n`);
    if (status) w.write(LEVEL_2, `Image ID:\t${status.imageID ?? ''}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');
    w.write(LEVEL_2, ports.includes(',') ? `Ports:\t${ports}\n` : `Port:\t${stringOrNone(ports)}\n`);
    const hostPorts = (c.ports ?? []).map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', ');
    w.write(LEVEL_2, hostPorts.includes(',') ? `Host Ports:\t${hostPorts}\n` : `Host Port:\t${stringOrNone(hostPorts)}\n`);
    for (const [title, list] of [['Command', c.command], ['Args', c.args]] as const) {
      if (!list || list.length === 0) continue;
      w.write(LEVEL_2, `${title}:\n`);
      for (const arg of list) for (const s of arg.split('\n')) w.write(LEVEL_3, `${s}\n`);
    }
    if (status) {
      describeStatus('State', status.state, w);
      if (status.lastState?.terminated) describeStatus('Last State', status.lastState, w);
      w.write(LEVEL_2, `Ready:\t${status.ready ? 'True' : 'False'}\n`);
      w.write(LEVEL_2, `Restart Count:\t${status.restartCount ?? 0}\n`);
    }
    describeResources(c['resources'] as Resources | undefined, w, LEVEL_2);
    if (c.livenessProbe) w.write(LEVEL_2, `Liveness:\t${describeProbe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(LEVEL_2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(LEVEL_2, `Startup:\t${describeProbe(c.startupProbe)}\n`);
    describeEnv(c, pod, w);
    describeMounts(c, w);
  }
}

/** The second line of a Secret's or ConfigMap's entry: `optional` unset is false. */
function optionalLine(optional: boolean | undefined): string {
  return `    Optional:\t${!!optional}\n`;
}

/** printDownwardAPIVolumeSource: each file as `field -> path`, for fields and container resources alike. */
function describeDownwardAPIVolume(d: DownwardAPIVolumeSource, w: PrefixWriter): void {
  w.write(LEVEL_2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n');
  for (const item of d.items ?? []) {
    if (item.fieldRef) w.write(LEVEL_3, `${item.fieldRef.fieldPath} -> ${item.path}\n`);
    if (item.resourceFieldRef) w.write(LEVEL_3, `${item.resourceFieldRef.resource} -> ${item.path}\n`);
  }
}

/**
 * printProjectedVolumeSource: one entry per source, at the level of the Type
 * line; a downward API source is just `true`, whatever its items, and sources
 * kubectl does not know (clusterTrustBundle, podCertificate) print nothing.
 */
function describeProjectedVolume(p: ProjectedSource, w: PrefixWriter): void {
  w.write(LEVEL_2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
  for (const s of p.sources ?? []) {
    if (s.secret) w.write(LEVEL_2, `SecretName:\t${s.secret.name ?? ''}\n${optionalLine(s.secret.optional)}`);
    else if (s.downwardAPI) w.write(LEVEL_2, 'DownwardAPI:\ttrue\n');
    else if (s.configMap) w.write(LEVEL_2, `ConfigMapName:\t${s.configMap.name ?? ''}\n${optionalLine(s.configMap.optional)}`);
    else if (s.serviceAccountToken) w.write(LEVEL_2, `TokenExpirationSeconds:\t${s.serviceAccountToken.expirationSeconds ?? ''}\n`);
  }
}

/** printHostPathVolumeSource, for a pod's volume and a PersistentVolume's source alike. */
export function printHostPathSource(hostPath: { path?: string; type?: string }, w: PrefixWriter): void {
  w.write(LEVEL_2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${hostPath.path ?? ''}\n    HostPathType:\t${hostPath.type ?? '<none>'}\n`);
}

/**
 * One volume's source (describeVolumes' switch). The sources podnet has nothing
 * behind (nfs, csi, image, …) print kubectl's `<unknown>` line, where kubectl
 * itself has a block for each.
 */
function describeVolumeSource(v: Volume, w: PrefixWriter): void {
  const claim = v['persistentVolumeClaim'] as ClaimSource | undefined;
  if (v.hostPath) {
    printHostPathSource(v.hostPath, w);
  } else if (v.emptyDir) {
    w.write(LEVEL_2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ''}\n    SizeLimit:\t${v.emptyDir.sizeLimit ?? '<unset>'}\n`);
  } else if (v.secret) {
    w.write(LEVEL_2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName ?? ''}\n${optionalLine(v.secret.optional)}`);
  } else if (v.configMap) {
    w.write(LEVEL_2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name ?? ''}\n${optionalLine(v.configMap.optional)}`);
  } else if (claim) {
    w.write(LEVEL_2, `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${claim.claimName ?? ''}\n    ReadOnly:\t${!!claim.readOnly}\n`);
  } else if (v.downwardAPI) {
    describeDownwardAPIVolume(v.downwardAPI, w);
  } else if (v.projected) {
    describeProjectedVolume(v.projected, w);
  } else {
    w.write(LEVEL_1, '<unknown>\n');
  }
}

/** describeVolumes: the pod's volumes in spec order. */
function describeVolumes(volumes: Volume[] | undefined, w: PrefixWriter, space: string): void {
  if (!volumes || volumes.length === 0) {
    w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(LEVEL_0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(LEVEL_1, `${space ? ' ' : ''}${v.name}:\n`);
    describeVolumeSource(v, w);
  }
}

function printTolerations(w: PrefixWriter, title: string, tolerations: Toleration[] | undefined): void {
  w.write(LEVEL_0, `${title}:\t`);
  const list = [...(tolerations ?? [])].sort((a, b) => byString(a.key ?? '', b.key ?? ''));
  if (list.length === 0) {
    w.writeLine('<none>');
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) w.write(LEVEL_0, '\t');
    let text = t.key ?? '';
    if (t.value) text += `=${t.value}`;
    if (t.effect) text += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) text += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
    w.write(LEVEL_0, `${text}\n`);
  });
}

/** DescribePodTemplate, shared by Deployment and StatefulSet. */
export function describePodTemplate(template: PodTemplateSpec | undefined, w: PrefixWriter): void {
  w.write(LEVEL_0, 'Pod Template:\n');
  if (!template) {
    w.write(LEVEL_1, '<unset>');
    return;
  }
  const spec = template.spec ?? { containers: [] };
  printLabelsMultiline(w, '  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) printAnnotationsMultiline(w, '  Annotations', template.metadata?.annotations);
  const sa = spec['serviceAccountName'] as string | undefined;
  if (sa) w.write(LEVEL_1, `Service Account:\t${sa}\n`);
  if ((spec.initContainers ?? []).length > 0) describeContainers('Init Containers', spec.initContainers!, undefined, undefined, w, '  ');
  describeContainers('Containers', spec.containers ?? [], undefined, undefined, w, '  ');
  describeVolumes(spec.volumes, w, '  ');
  const pc = spec['priorityClassName'] as string | undefined;
  if (pc) w.write(LEVEL_1, `Priority Class Name:\t${pc}\n`);
  printLabelsMultiline(w, '  Node-Selectors', spec.nodeSelector);
  printTolerations(w, '  Tolerations', spec['tolerations'] as Toleration[] | undefined);
}

export function describePod(pod: Pod, events: readonly Event[] | undefined, now: Instant): string {
  const w = new PrefixWriter();
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  w.write(LEVEL_0, `Name:\t${pod.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`);
  if (typeof spec['priority'] === 'number') w.write(LEVEL_0, `Priority:\t${spec['priority']}\n`);
  if (spec['priorityClassName']) w.write(LEVEL_0, `Priority Class Name:\t${spec['priorityClassName']}\n`);
  if (spec['serviceAccountName']) w.write(LEVEL_0, `Service Account:\t${spec['serviceAccountName']}\n`);
  w.write(LEVEL_0, spec.nodeName ? `Node:\t${spec.nodeName}/${status.hostIP ?? ''}\n` : 'Node:\t<none>\n');
  if (status.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  printLabelsMultiline(w, 'Labels', pod.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', pod.metadata.annotations);
  if (pod.metadata.deletionTimestamp && status.phase !== 'Failed' && status.phase !== 'Succeeded') {
    w.write(LEVEL_0, `Status:\tTerminating (lasts ${ageSince(pod.metadata.deletionTimestamp, now)})\n`);
    w.write(LEVEL_0, `Termination Grace Period:\t${pod.metadata.deletionGracePeriodSeconds ?? 0}s\n`);
  } else {
    w.write(LEVEL_0, `Status:\t${status.phase ?? ''}\n`);
  }
  if (status.reason) w.write(LEVEL_0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(LEVEL_0, `Message:\t${status.message}\n`);
  w.write(LEVEL_0, `IP:\t${status.podIP ?? ''}\n`);
  const ips = status.podIPs ?? (status.podIP ? [{ ip: status.podIP }] : []);
  if (ips.length === 0) {
    w.write(LEVEL_0, 'IPs:\t<none>\n');
  } else {
    w.write(LEVEL_0, 'IPs:\n');
    for (const ip of ips) w.write(LEVEL_1, `IP:\t${ip.ip}\n`);
  }
  printControlledBy(w, pod);
  const nominated = (status as { nominatedNodeName?: string }).nominatedNodeName;
  if (nominated) w.write(LEVEL_0, `NominatedNodeName:\t${nominated}\n`);
  const initStatuses = (status as { initContainerStatuses?: ContainerStatus[] }).initContainerStatuses ?? [];
  if ((spec.initContainers ?? []).length > 0) describeContainers('Init Containers', spec.initContainers!, initStatuses, pod, w, '');
  describeContainers('Containers', spec.containers ?? [], status.containerStatuses ?? [], pod, w, '');
  const gates = spec.readinessGates ?? [];
  if (gates.length > 0) {
    w.write(LEVEL_0, 'Readiness Gates:\n  Type\tStatus\n');
    for (const g of gates) {
      const c = status.conditions?.find((x) => x.type === g.conditionType);
      w.write(LEVEL_1, `${g.conditionType} \t${c ? c.status : '<none>'} \n`);
    }
  }
  if ((status.conditions ?? []).length > 0) {
    w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\n');
    for (const c of status.conditions!) w.write(LEVEL_1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(spec.volumes, w, '');
  w.write(LEVEL_0, `QoS Class:\t${podQOSClass(pod)}\n`);
  printLabelsMultiline(w, 'Node-Selectors', spec.nodeSelector);
  printTolerations(w, 'Tolerations', spec['tolerations'] as Toleration[] | undefined);
  if (events) describeEvents(events, w, now);
  return w.toString();
}

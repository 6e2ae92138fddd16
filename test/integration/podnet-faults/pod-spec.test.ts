// What the node agent makes of a pod spec, checked from the outside with real
// tools (curl, nc, cat, ip, /proc): probes and their effect on Ready and on
// the Service's EndpointSlice, env with fieldRef and service links, several
// containers sharing one network namespace, hostNetwork, dnsPolicy Default
// and None, agnhost netexec, and graceful deletion (SIGTERM, grace period,
// SIGKILL). One cluster, all pods applied at once to keep the wall time low.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EndpointSlice, Event, Node, Pod, Service } from '../../../src/api/types.js';
import { downOrKill, eventually, podnet } from '../../support/cli.js';

const CLUSTER = 'itpf2';
const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpf2-'));
const pn = podnet(CLUSTER, stateDir);
/** what containers get as PODNET_API_SOCKET: the API server's own socket, in the one directory of the cluster's state a pod sees */
const apiSocket = path.join(stateDir, CLUSTER, 'api', 'api.sock');
/** where the lifecycle hooks of pod `hooks` leave their marks (bound into the pod as a hostPath volume) */
const hooksDir = path.join(stateDir, 'hooks');
mkdirSync(hooksDir);

// Created first, so the pods below see it in their service environment variables.
const SERVICES = `
apiVersion: v1
kind: Service
metadata: {name: probed}
spec:
  selector: {app: probed}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: my-svc}
spec:
  selector: {app: nothing}
  ports: [{port: 8080}]
`;

const PODS = `
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: sh, image: none, command: [sleep, infinity]}]
---
apiVersion: v1
kind: Pod
metadata: {name: notready, labels: {app: probed}}
spec:
  containers:
    - name: echo
      image: podnet/echo
      readinessProbe: {httpGet: {path: /healthz, port: 9999}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: ready-tcp, labels: {app: probed}}
spec:
  containers:
    - name: echo
      image: podnet/echo
      ports: [{name: http, containerPort: 8080}]
      readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: liveness}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: c
      image: none
      command: [sleep, "3600"]
      livenessProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: envpod}
spec:
  containers:
    - name: c
      image: none
      env:
        - {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
        - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
      command: [sh, -c, 'echo $MY_IP $NODE $KUBERNETES_SERVICE_HOST $MY_SVC_SERVICE_HOST $MY_SVC_SERVICE_PORT; sleep 3600']
---
apiVersion: v1
kind: Pod
metadata: {name: multi}
spec:
  containers:
    - name: a
      image: podnet/echo
      args: [--port, "9000"]
    - name: b
      image: none
      command: [sh, -c, 'while true; do curl -s --max-time 1 localhost:9000/from-b; echo; sleep 0.3; done']
---
apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  hostNetwork: true
  containers: [{name: c, image: none, command: [sleep, infinity]}]
---
apiVersion: v1
kind: Pod
metadata: {name: hostnet-dns}
spec:
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  hostAliases: [{ip: 192.0.2.7, hostnames: [legacy.example]}]
  containers: [{name: c, image: none, command: [sleep, infinity]}]
---
apiVersion: v1
kind: Pod
metadata: {name: dns-default}
spec:
  dnsPolicy: Default
  containers: [{name: c, image: none, command: [sleep, infinity]}]
---
apiVersion: v1
kind: Pod
metadata: {name: dns-none}
spec:
  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.53]
    searches: [corp.example, example]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  containers: [{name: c, image: none, command: [sleep, infinity]}]
---
apiVersion: v1
kind: Pod
metadata: {name: netexec}
spec:
  containers:
    - name: agnhost
      image: registry.k8s.io/e2e-test-images/agnhost:2.47
      args: [netexec, --http-port=8080, --udp-port=8081]
    - name: paused
      image: registry.k8s.io/e2e-test-images/agnhost:2.47
---
apiVersion: v1
kind: Pod
metadata: {name: pause-image}
spec:
  containers: [{name: pause, image: registry.k8s.io/pause:3.10}]
---
apiVersion: v1
kind: Pod
metadata: {name: grace}
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - name: c
      image: none
      command: [sh, -c, 'trap "echo got TERM; sleep 1; exit 0" TERM; while true; do sleep 0.1; done']
---
apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - name: c
      image: none
      command: [sh, -c, 'trap "" TERM; while true; do sleep 0.1; done']
---
apiVersion: v1
kind: Pod
metadata: {name: hooks}
spec:
  terminationGracePeriodSeconds: 10
  containers:
    - name: first
      image: none
      command: [sh, -c, 'trap "date +%s.%N > ${hooksDir}/term; exit 0" TERM; while true; do sleep 0.1; done']
      lifecycle:
        postStart: {exec: {command: [sh, -c, 'sleep 1; echo done > ${hooksDir}/poststart']}}
        preStop: {exec: {command: [sh, -c, 'date +%s.%N > ${hooksDir}/prestop; sleep 2']}}
      volumeMounts: [{name: marks, mountPath: ${hooksDir}}]
    - name: second
      image: none
      command: [sh, -c, 'if [ -e ${hooksDir}/poststart ]; then echo after-poststart; else echo too-early; fi; exec sleep infinity']
      volumeMounts: [{name: marks, mountPath: ${hooksDir}}]
  volumes: [{name: marks, hostPath: {path: ${hooksDir}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: bad-mount}
spec:
  containers:
    - name: c
      image: none
      command: [sleep, infinity]
      volumeMounts: [{name: data, mountPath: /nonexistent-podnet-mount/data}]
  volumes: [{name: data, hostPath: {path: /etc/hostname, type: Directory}}]
---
apiVersion: v1
kind: Pod
metadata: {name: new-path}
spec:
  containers:
    - name: c
      image: none
      workingDir: /var/run/podnet-pod-root-wd
      command: [sh, -c, 'echo written > /nonexistent-podnet-mount/cache/file; echo in-root > /etc/podnet-pod-root-test; echo run > /run/podnet-pod-root-test; pwd; exec sleep infinity']
      volumeMounts: [{name: scratch, mountPath: /nonexistent-podnet-mount/cache}, {name: scratch, mountPath: /var/tmp/podnet-pod-root-cache}]
  volumes: [{name: scratch, emptyDir: {}}]
---
apiVersion: v1
kind: Pod
metadata: {name: hook-fails}
spec:
  containers:
    - name: c
      image: none
      command: [sleep, infinity]
      lifecycle: {postStart: {exec: {command: [sh, -c, 'echo nope; exit 3']}}}
`;

const ALWAYS_READY = ['client', 'ready-tcp', 'envpod', 'multi', 'hostnet', 'dns-default', 'dns-none', 'netexec', 'grace', 'stubborn', 'hooks'];

async function getJSON<T>(args: string[]): Promise<T> {
  const r = await pn([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

const pod = (name: string) => getJSON<Pod>(['get', 'pod', name]);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function eventsFor(name: string): Promise<Event[]> {
  return (await getJSON<{ items: Event[] }>(['get', 'events'])).items.filter((e) => e.involvedObject?.name === name);
}

/** pids of processes started for pod `name` of this cluster: the agent hands every container PODNET_API_SOCKET and POD_NAME. */
function podProcesses(name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let env: string[];
    try { env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0'); } catch { continue; }
    if (env.includes(`PODNET_API_SOCKET=${apiSocket}`) && env.includes(`POD_NAME=${name}`)) found.push(Number(entry));
  }
  return found;
}

async function timeDeletion(name: string): Promise<number> {
  const t0 = performance.now();
  const d = await pn(['delete', 'pod', name]);
  assert.equal(d.code, 0, d.stderr);
  await eventually(`${name} gone`, async () => (await pn(['get', 'pod', name])).code !== 0, 30_000, 50);
  return (performance.now() - t0) / 1000;
}

describe('pod spec in the node agent', { timeout: 180_000 }, () => {
  before(async () => {
    // --bare: no cluster DNS or ingress controller, which nothing here needs
    const up = await pn(['up', '--nodes', '2', '--bare']);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    const s = await pn(['apply', '-f', '-'], { input: SERVICES });
    assert.equal(s.code, 0, s.stderr);
    await eventually('my-svc has a clusterIP', async () => (await getJSON<Service>(['get', 'svc', 'my-svc'])).spec.clusterIP);
    const p = await pn(['apply', '-f', '-'], { input: PODS });
    assert.equal(p.code, 0, p.stderr);
    await eventually('the pods that should be Ready are', async () => {
      const all = (await getJSON<{ items: Pod[] }>(['get', 'pods'])).items;
      return ALWAYS_READY.every((n) => all.some((x) => x.metadata.name === n && isReady(x)));
    }, 90_000, 250);
  });

  after(async () => {
    await downOrKill(pn, CLUSTER);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('readiness httpGet on a closed port keeps the pod Running but not Ready, and out of the ready endpoints', async () => {
    // three periods of a failing probe
    await new Promise((r) => setTimeout(r, 3_000));
    const p = await pod('notready');
    assert.equal(p.status?.phase, 'Running');
    assert.equal(isReady(p), false);
    assert.equal(p.status?.containerStatuses?.[0]?.ready, false);
    assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0);
    const good = await pod('ready-tcp');
    const slices = await eventually('the slice lists ready-tcp as ready', async () => {
      const items = (await getJSON<{ items: EndpointSlice[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=probed'])).items;
      return items.some((s) => s.endpoints?.some((e) => e.addresses.includes(good.status!.podIP!) && e.conditions?.ready)) ? items : undefined;
    });
    const endpoints = slices.flatMap((s) => s.endpoints ?? []);
    const bad = endpoints.filter((e) => e.addresses.includes(p.status!.podIP!));
    assert.ok(bad.every((e) => e.conditions?.ready === false), JSON.stringify(bad));
    const r = await pn(['describe', 'svc', 'probed']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('a tcpSocket readiness probe on a listening port makes the pod Ready', async () => {
    const p = await pod('ready-tcp');
    assert.equal(isReady(p), true);
    assert.equal(p.status?.containerStatuses?.[0]?.ready, true);
  });

  test('a failing liveness exec probe restarts the container, with Unhealthy and Killing events', async () => {
    const p = await eventually('two liveness restarts', async () => {
      const x = await pod('liveness');
      return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? x : undefined;
    }, 40_000, 250);
    assert.ok(p.status!.containerStatuses![0]!.lastState?.terminated, JSON.stringify(p.status!.containerStatuses![0]));
    const reasons = new Set((await eventsFor('liveness')).map((e) => e.reason));
    assert.ok(reasons.has('Unhealthy'), [...reasons].join(','));
    assert.ok(reasons.has('Killing'), [...reasons].join(','));
    const unhealthy = (await eventsFor('liveness')).find((e) => e.reason === 'Unhealthy')!;
    assert.equal(unhealthy.type, 'Warning');
    assert.match(unhealthy.message ?? '', /Liveness probe failed/);
  });

  test('env: fieldRef status.podIP and spec.nodeName, KUBERNETES_SERVICE_HOST and <SVC>_SERVICE_HOST', async () => {
    const p = await pod('envpod');
    const svc = await getJSON<Service>(['get', 'svc', 'my-svc']);
    const logs = await eventually('envpod printed its line', async () => {
      const r = await pn(['logs', 'envpod']);
      return r.code === 0 && r.stdout.trim() ? r.stdout : undefined;
    });
    assert.equal(logs.trim(), `${p.status!.podIP} ${p.spec.nodeName} 10.96.0.1 ${svc.spec.clusterIP} 8080`);
  });

  test('two containers of one pod share the network namespace: b reaches a on localhost', async () => {
    const logs = await eventually('b logged an answer from a', async () => {
      const r = await pn(['logs', 'multi', '-c', 'b']);
      return r.code === 0 && /"path":\s*"\/from-b"/.test(r.stdout) ? r.stdout : undefined;
    });
    // podnet/echo answers pretty-printed JSON: one answer spans several lines
    assert.match(logs, /"pod":\s*"multi"/);
    assert.match(logs, /"clientIP":\s*"127\.0\.0\.1"/);
    const a = await pn(['logs', 'multi', '-c', 'a']);
    assert.equal(a.code, 0, a.stderr);
    const p = await pod('multi');
    assert.deepEqual(p.status!.containerStatuses!.map((c) => [c.name, c.ready]), [['a', true], ['b', true]]);
  });

  test('hostNetwork: podIP == hostIP == the node InternalIP, and exec sees the node eth0', async () => {
    const p = await pod('hostnet');
    const node = await getJSON<Node>(['get', 'node', p.spec.nodeName!]);
    const internal = node.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    assert.equal(p.status!.podIP, internal);
    assert.equal(p.status!.hostIP, internal);
    const r = await pn(['exec', 'hostnet', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`inet ${internal.replace(/\./g, '\\.')}/16 `));
    assert.match(r.stdout, /inet 172\.18\.0\.\d+\//);
    // /sys is the network's own sysfs (as runc mounts one): the node's links for it, only eth0 and lo for a pod
    const sys = await pn(['exec', 'hostnet', '--', 'ls', '/sys/class/net']);
    assert.match(sys.stdout, /^cni0$/m);
    const own = await pn(['exec', 'client', '--', 'ls', '/sys/class/net']);
    assert.equal(own.stdout, 'eth0\nlo\n');
  });

  test('hostNetwork: the node\'s hostname, its resolv.conf by dnsPolicy, the node\'s hosts with hostAliases; never the machine\'s', async () => {
    const plain = await pod('hostnet');
    const dns = await pod('hostnet-dns');
    const node = await getJSON<Node>(['get', 'node', plain.spec.nodeName!]);
    const internal = node.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    const r = await pn(['exec', 'hostnet', '--', 'sh', '-c', 'hostname; cat /etc/resolv.conf /etc/hosts']);
    assert.equal(r.code, 0, r.stderr);
    // ClusterFirst on the host network falls back to the node's resolver (the kubelet's getPodDNSType)
    assert.equal(r.stdout, `${plain.spec.nodeName}\nnameserver 198.51.100.53\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${internal}\t${plain.spec.nodeName}\n`);
    // (this cluster is --bare, without cluster DNS: the resolv.conf is what is checked)
    const c = await pn(['exec', 'hostnet-dns', '--', 'sh', '-c', 'hostname; cat /etc/resolv.conf; getent hosts legacy.example']);
    assert.equal(c.code, 0, c.stderr + c.stdout);
    assert.match(c.stdout, new RegExp(`^${dns.spec.nodeName}\nsearch default\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local\nnameserver 10\\.96\\.0\\.10\noptions ndots:5\n192\\.0\\.2\\.7\\s+legacy\\.example\n$`));
    // the node itself, as `exec node/NAME` shows it: its name, the external DNS, its hosts; its own links in /sys
    const n = await pn(['exec', `node/${plain.spec.nodeName}`, '--', 'sh', '-c', 'hostname; cat /etc/resolv.conf; ls /sys/class/net']);
    assert.equal(n.code, 0, n.stderr);
    assert.match(n.stdout, new RegExp(`^${plain.spec.nodeName}\nnameserver 198\\.51\\.100\\.53\n(.*\n)*cni0\n`));
  });

  test('deleting a hostNetwork pod stops only its own processes: the node and its agent stay', async () => {
    const p = await pod('hostnet-dns');
    const agentPidFile = path.join(stateDir, CLUSTER, 'procs', `agent-${p.spec.nodeName}.pid`);
    const agent = Number(readFileSync(agentPidFile, 'utf8'));
    assert.equal((await pn(['delete', 'pod', 'hostnet-dns'])).code, 0);
    assert.equal(Number(readFileSync(agentPidFile, 'utf8')), agent);
    process.kill(agent, 0); // throws when the agent died
    // the other hostNetwork pod on the node still answers exec
    const r = await pn(['exec', 'hostnet', '--', 'true']);
    assert.equal(r.code, 0, r.stderr);
    const ns = await pn(['exec', `node/${p.spec.nodeName}`, '--', 'ip', '-o', 'link', 'show', 'cni0']);
    assert.equal(ns.code, 0, ns.stderr);
  });

  test('a sandbox that dies is made again, and its containers start in the new one (SandboxChanged)', async () => {
    const p = await pod('hostnet');
    const pidFile = path.join(stateDir, CLUSTER, 'pods', p.metadata.uid!, 'sandbox.pid');
    const pause = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pause, 'SIGKILL');
    await eventually('a SandboxChanged event', async () => (await eventsFor('hostnet')).some((e) => e.reason === 'SandboxChanged'), 20_000, 200);
    await eventually('a new pause', async () => { const now = Number(readFileSync(pidFile, 'utf8')); return now !== pause && now > 0; }, 20_000, 100);
    const r = await eventually('exec works in the new sandbox', async () => {
      const x = await pn(['exec', 'hostnet', '--', 'hostname']);
      return x.code === 0 ? x : undefined;
    }, 30_000, 250);
    assert.equal(r.stdout, `${p.spec.nodeName}\n`);
  });

  test('dnsPolicy Default gives the node resolv.conf; None gives exactly dnsConfig', async () => {
    const def = await pn(['exec', 'dns-default', '--', 'cat', '/etc/resolv.conf']);
    assert.equal(def.code, 0, def.stderr);
    assert.equal(def.stdout, 'nameserver 198.51.100.53\n');
    const none = await pn(['exec', 'dns-none', '--', 'cat', '/etc/resolv.conf']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'search corp.example example\nnameserver 192.0.2.53\noptions ndots:2 edns0\n');
  });

  test('a registry.k8s.io/pause container waits on the cluster\'s hold FIFO from inside its pod without using the CPU', async () => {
    const p = await eventually('pause-image running', async () => {
      const x = await pod('pause-image');
      return x.status?.containerStatuses?.[0]?.state?.running ? x : undefined;
    }, 20_000, 200);
    const pid = Number(readFileSync(path.join(stateDir, CLUSTER, 'pods', p.metadata.uid!, 'pause.pid'), 'utf8'));
    const cpuTicks = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return Number(f[11]) + Number(f[12]); };
    const before = cpuTicks();
    await new Promise((r) => setTimeout(r, 1_000));
    // regression: with the state directory hidden from pods the FIFO's path opened an empty file, and its read loop spun
    assert.ok(cpuTicks() - before < 10, `the pause container used ${cpuTicks() - before} ticks of CPU in 1 s`);
  });

  test('agnhost netexec: /hostname, /clientip and the UDP echo; agnhost with no args pauses', async () => {
    const server = await pod('netexec');
    const client = await pod('client');
    const ip = server.status!.podIP!;
    const h = await pn(['exec', 'client', '--', 'curl', '-s', '--max-time', '3', `http://${ip}:8080/hostname`]);
    assert.equal(h.code, 0, h.stderr);
    assert.equal(h.stdout, 'netexec');
    const c = await pn(['exec', 'client', '--', 'curl', '-s', '--max-time', '3', `http://${ip}:8080/clientip`]);
    assert.match(c.stdout, new RegExp(`^${client.status!.podIP!.replace(/\./g, '\\.')}:\\d+$`));
    const u = await pn(['exec', 'client', '--', 'sh', '-c', `echo 'echo hi' | nc -u -w1 ${ip} 8081`]);
    assert.equal(u.stdout.trim(), 'hi');
    // with no command and no args, the image's default: pause
    assert.equal((await pn(['logs', 'netexec', '-c', 'paused'])).stdout, 'Paused\n');
  });

  test('postStart: the next container starts only after the hook completed; a failing hook kills the container, with FailedPostStartHook', async () => {
    assert.equal(readFileSync(path.join(hooksDir, 'poststart'), 'utf8'), 'done\n');
    const second = await eventually('the second container wrote its line', async () => {
      const r = await pn(['logs', 'hooks', '-c', 'second']);
      return r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
    }, 10_000, 100);
    assert.equal(second, 'after-poststart');
    const failed = await eventually('FailedPostStartHook', async () => (await eventsFor('hook-fails')).find((e) => e.reason === 'FailedPostStartHook'), 20_000, 200);
    assert.equal(failed.type, 'Warning');
    // the kubelet's words, without what the hook said (which could hold secrets)
    assert.equal(failed.message, 'PostStartHook failed');
    const p = await eventually('hook-fails killed after its hook failed', async () => {
      const x = await pod('hook-fails');
      return x.status?.containerStatuses?.[0]?.lastState?.terminated ? x : undefined;
    }, 20_000, 200);
    assert.equal(isReady(p), false);
  });

  test('a volume that cannot be set up: FailedMount with the reason, nothing half made', async () => {
    const e = await eventually('FailedMount', async () => (await eventsFor('bad-mount')).find((x) => x.reason === 'FailedMount'), 20_000, 200);
    assert.equal(e.message, 'MountVolume.SetUp failed for volume "data" : hostPath type check failed: /etc/hostname is not a directory');
    const p = await pod('bad-mount');
    assert.equal(p.status?.podIP, undefined);
  });

  test('a pod has a root of its own: a mountPath and workingDir the machine lacks are made there, and what it writes stays there', async () => {
    const p = await eventually('new-path running', async () => {
      const x = await pod('new-path');
      return x.status?.containerStatuses?.[0]?.state?.running ? x : undefined;
    }, 20_000, 200);
    const r = await pn(['exec', 'new-path', '--', 'sh', '-c', 'cat /nonexistent-podnet-mount/cache/file /etc/podnet-pod-root-test /run/podnet-pod-root-test; pwd']);
    // (/var/run is the machine's link to /run: the working directory is made, and entered, in the pod, as the physical directory a runtime's chdir gives)
    assert.equal(r.stdout, 'written\nin-root\nrun\n/run/podnet-pod-root-wd\n', r.stderr);
    assert.equal((await pn(['logs', 'new-path'])).stdout, '/run/podnet-pod-root-wd\n');
    // and the container's environment carries nothing of the shell that entered the directory (its own sh sets PWD, as it would under runc)
    const pid = Number(readFileSync(path.join(stateDir, CLUSTER, 'pods', p.metadata.uid!, 'c.pid'), 'utf8'));
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    assert.equal(environ.find((e) => e.startsWith('OLDPWD=')), undefined);
    assert.ok(environ.every((e) => !e.startsWith('PWD=') || e === 'PWD=/run/podnet-pod-root-wd'), environ.filter((e) => e.startsWith('PWD=')).join());
    // a mount point under a directory the machine has leaves that directory's mode and owner as they are (/var/tmp 1777)
    const machineVarTmp = statSync('/var/tmp');
    const inPod = await pn(['exec', 'new-path', '--', 'stat', '-c', '%a %u %g', '/var/tmp']);
    assert.equal(inPod.stdout, `${(machineVarTmp.mode & 0o7777).toString(8)} ${machineVarTmp.uid} ${machineVarTmp.gid}\n`, inPod.stderr);
    for (const machinePath of ['/var/tmp/podnet-pod-root-cache', '/nonexistent-podnet-mount', '/etc/podnet-pod-root-test', '/run/podnet-pod-root-test', '/run/podnet-pod-root-wd']) assert.equal(existsSync(machinePath), false, machinePath);
    // of the cluster's state (every pod's Secrets, the store, the CA key) a pod sees only the API server's socket and the hold FIFO, read-only, and reaches the API through the socket
    const clusterDir = path.join(stateDir, CLUSTER);
    assert.equal((await pn(['exec', 'new-path', '--', 'ls', '-A', clusterDir])).stdout, 'api\nhold\n');
    assert.equal((await pn(['exec', 'new-path', '--', 'sh', '-c', 'echo "$PODNET_API_SOCKET"'])).stdout, `${path.join(clusterDir, 'api', 'api.sock')}\n`);
    const api = await pn(['exec', 'new-path', '--', 'sh', '-c', 'curl -sf --unix-socket "$PODNET_API_SOCKET" http://podnet/api/v1/namespaces/default/pods/new-path']);
    assert.equal(JSON.parse(api.stdout).metadata.name, 'new-path', api.stderr);
    // and no namespace names of the machine: `ip addr` looks its peers up there (an error per name before)
    assert.equal((await pn(['exec', 'new-path', '--', 'ls', '-A', '/run/netns'])).stdout, '');
    const addr = await pn(['exec', 'new-path', '--', 'ip', 'addr']);
    assert.equal(addr.stderr, '');
    assert.match(addr.stdout, /eth0@/);
    const w = await pn(['exec', 'new-path', '--', 'touch', path.join(clusterDir, 'api', 'written-by-a-pod')]);
    assert.notEqual(w.code, 0);
    assert.match(w.stderr, /Read-only file system/);
    assert.ok(p.status?.podIP);
  });

  test('preStop: runs before SIGTERM, within the grace period, and deletion waits for it', async () => {
    const took = await timeDeletion('hooks');
    const preStop = Number(readFileSync(path.join(hooksDir, 'prestop'), 'utf8'));
    assert.ok(existsSync(path.join(hooksDir, 'term')), 'the container got SIGTERM after the hook');
    const term = Number(readFileSync(path.join(hooksDir, 'term'), 'utf8'));
    assert.ok(term - preStop >= 1.9, `SIGTERM ${(term - preStop).toFixed(2)} s after the hook started; the hook sleeps 2 s`);
    assert.ok(took >= 2, `deletion took ${took.toFixed(2)} s`);
  });

  test('graceful deletion: a TERM handler runs (>= 1 s), and a process ignoring TERM is killed after the grace period', async () => {
    const gracePids = podProcesses('grace');
    assert.ok(gracePids.length > 0, 'grace has processes');
    const graceful = await timeDeletion('grace');
    assert.ok(graceful >= 1, `the TERM handler sleeps 1 s, deletion took ${graceful.toFixed(2)} s`);
    assert.ok(graceful < 10, `deletion took ${graceful.toFixed(2)} s`);
    assert.deepEqual(podProcesses('grace'), []);

    const stubbornPids = podProcesses('stubborn');
    assert.ok(stubbornPids.length > 0, 'stubborn has processes');
    const forced = await timeDeletion('stubborn');
    assert.ok(forced >= 2, `grace period is 2 s, deletion took ${forced.toFixed(2)} s`);
    assert.ok(forced < 12, `deletion took ${forced.toFixed(2)} s`);
    assert.deepEqual(podProcesses('stubborn'), [], 'SIGKILL after the grace period');
  });
});

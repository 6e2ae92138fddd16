// Regression test for a lost pod status seen in the 100-pod test: the node
// lifecycle controller marked a node's pods Ready=False (NodeNotReady) while
// the agent was busy; when the node came back, some pods stayed Ready=False
// for good although their containers ran and were ready.
//
// Cause: PodWorker.writeStatus keeps the answer of its status PATCH as
// `this.pod`. When that answer arrives after a newer pod came in from the
// watch (the controller's Ready=False), the stale answer (Ready=True)
// replaces it, the next writeStatus compares its Ready=True with that stale
// copy, finds no difference and never writes again.
//
// The pod worker runs for real (a hostNetwork pod, so no CNI is needed: its
// pause joins a bare network namespace standing in for the node's; its
// container is a real `sleep`) against an in-memory API whose PATCH answer
// the test holds back to force exactly that interleaving.

import { Semaphore } from '../../../src/agent/semaphore.js';
import { after, before, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Condition, Pod } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import type { EventRecorder } from '../../../src/controllers/events.js';
import { PodWorker, type AgentContext } from '../../../src/agent/pod-worker.js';
import { RecordingRunner } from '../../../src/net/runner.js';
import { eventually } from '../../support/cli.js';

const stateDir = mkdtempSync(path.join(tmpdir(), 'podnet-itpf-race-'));
const podsDir = path.join(stateDir, 'pods');
const NODE_NETNS = 'pn-itpfr-node-1';
before(() => { execFileSync('ip', ['netns', 'add', NODE_NETNS]); });
after(() => {
  execFileSync('ip', ['netns', 'del', NODE_NETNS]);
  rmSync(stateDir, { recursive: true, force: true });
});

const ready = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;

/** The API server's copy of one pod; PATCH answers wait until the test releases them. */
class OnePodApi {
  pod: Pod;
  private rv = 1;
  held: (() => void)[] = [];
  holdAnswers = false;
  patches = 0;

  constructor(pod: Pod) { this.pod = { ...pod, metadata: { ...pod.metadata, resourceVersion: '1' } }; }

  /** what another writer (the node lifecycle controller) does; returns the watch event's object */
  write(status: Pod['status']): Pod {
    this.pod = { ...this.pod, metadata: { ...this.pod.metadata, resourceVersion: String(++this.rv) }, status };
    return structuredClone(this.pod);
  }

  client(): Client {
    return {
      patch: async (_plural: string, _ns: string | undefined, _name: string, patch: unknown) => {
        this.patches++;
        const answer = this.write((patch as { status: Pod['status'] }).status);
        if (this.holdAnswers) await new Promise<void>((r) => this.held.push(r));
        return answer;
      },
      delete: async () => ({}),
    } as unknown as Client;
  }
}

test('a stale status PATCH answer does not hide a newer Ready=False written by the node lifecycle controller', async () => {
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'racy', namespace: 'default', uid: '00000000-0000-4000-8000-00000000race' },
    spec: { nodeName: 'node-1', hostNetwork: true, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'none', command: ['sleep', '30'] }] },
  };
  const api = new OnePodApi(pod);
  const events: EventRecorder = { normal: () => {}, warning: () => {} };
  const ctx: AgentContext = {
    cluster: 'itpfr', nodeName: 'node-1', nodeIP: '172.18.0.2', podsDir, runner: new RecordingRunner(), client: api.client(), events,
    cniConfig: () => undefined, cniPath: [], services: () => [], config: { configMap: () => undefined, secret: () => undefined, claim: () => undefined, volume: () => undefined, nodeAllocatable: {} }, nodeResolvConf: '', sandboxSlots: new Semaphore(1), apiSocket: '/nonexistent',
  };
  const worker = new PodWorker(ctx, structuredClone(api.pod));
  try {
    // 1. the container starts and the agent PATCHes Ready=True; its answer is held back
    api.holdAnswers = true;
    await worker.update(structuredClone(api.pod));
    await eventually('the agent wrote Ready=True', async () => api.held.length === 1 && ready(api.pod) === 'True', 5_000, 5);

    // 2. meanwhile the node lifecycle controller marks the pod not Ready; the watch delivers it
    const conditions = api.pod.status!.conditions!.map((c): Condition => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'NodeNotReady' } : c));
    const fromWatch = api.write({ ...api.pod.status!, conditions });
    const updating = worker.update(fromWatch);

    // 3. only now does the answer to the older PATCH arrive
    api.holdAnswers = false;
    for (const release of api.held.splice(0)) release();
    await updating;

    // The containers are ready, so the agent must set Ready=True again.
    await eventually('the agent corrected Ready=False', async () => ready(api.pod) === 'True', 2_000, 10)
      .catch(() => assert.fail(`the API still has Ready=${ready(api.pod)} (${api.patches} PATCHes): the agent compared against its stale PATCH answer`));
  } finally {
    await worker.removed();
  }
});

// Container lifecycle hooks (postStart, preStop), as the kubelet's handler
// runner runs them: exec inside the container (as an exec probe, with its
// environment), an HTTP GET from the node (to the pod IP unless `host` says
// otherwise; any answer counts, only a failed request fails), or a sleep.
// tcpSocket is accepted by the API for compatibility and never run: the
// kubelet reports it as an invalid handler.

import type { LifecycleHandler } from '../api/types.js';
import { httpGet, runProbe, type ProbeTarget } from './probes.js';

/** setTimeout's largest delay: a postStart hook has no deadline of its own */
const NO_DEADLINE_MS = 2 ** 31 - 1;

export interface HookContext extends ProbeTarget {
  /** for the messages: `<pod>_<namespace>(<uid>)`, the kubelet's format.Pod */
  podDescription: string;
}

/** Runs one hook; resolves with undefined on success, else with the kubelet's event message. */
export async function runLifecycleHook(handler: LifecycleHandler, target: HookContext, timeoutMs = NO_DEADLINE_MS): Promise<string | undefined> {
  const where = `for Container "${target.container.name}" in Pod "${target.podDescription}"`;
  if (handler.exec) {
    const command = handler.exec.command;
    const outcome = await runProbe({ exec: { command }, timeoutSeconds: timeoutMs / 1000 }, target);
    if (outcome.result === 'success') return undefined;
    return `Exec lifecycle hook ([${command.join(' ')}]) ${where} failed - error: command '${command.join(' ')}' exited with a failure: ${outcome.output}, message: ${JSON.stringify(outcome.output)}`;
  }
  if (handler.httpGet) {
    const error = await httpHook(handler.httpGet, target, timeoutMs);
    return error === undefined ? undefined : `HTTP lifecycle hook (${handler.httpGet.path ?? '/'}) ${where} failed - error: ${error}`;
  }
  if (handler.sleep) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(handler.sleep!.seconds * 1000, timeoutMs));
      target.signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
    return undefined;
  }
  return `Lifecycle hook ${where} failed - error: invalid handler: only exec, httpGet and sleep run`;
}

/** A GET whose answer, whatever its status, is success (the kubelet's runHTTPHandler); the error otherwise. */
async function httpHook(get: NonNullable<LifecycleHandler['httpGet']>, target: ProbeTarget, timeoutMs: number): Promise<string | undefined> {
  const r = await httpGet(get, target, timeoutMs, 'kube-lifecycle/1.31');
  switch (r.kind) {
    case 'answer': return undefined;
    case 'no-port': return `port ${JSON.stringify(get.port)} not found in container ${target.container.name}`;
    case 'timeout': return `Get "${r.url}": context deadline exceeded`;
    case 'error': return `Get "${r.url}": ${r.message}`;
  }
}

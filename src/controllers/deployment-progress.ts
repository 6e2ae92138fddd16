// The Deployment's Progressing condition, as upstream's deployment controller
// writes it (syncRolloutStatus, DeploymentProgressing, DeploymentTimedOut):
// a rollout that makes no progress for spec.progressDeadlineSeconds turns
// Progressing False with reason ProgressDeadlineExceeded, which is what makes
// `kubectl rollout status` fail instead of waiting forever. Pure: the
// controller passes the stored status, the one it computed, and the time.

import type { Condition, Deployment } from '../api/types.js';

export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

export interface RolloutCounts {
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

export interface Progress {
  condition: Condition;
  /** ms until the deadline would pass without progress: look again then */
  recheckInMs?: number;
}

/**
 * What this sync found of the new ReplicaSet, as upstream's getNewReplicaSet
 * reports it in the condition: one it made (NewReplicaSetCreated, which
 * starts the deadline), or one found while the Deployment had no
 * Progressing condition yet (FoundNewReplicaSet).
 */
export type NewSetEvent = { made: boolean; name: string };

/**
 * `complete`: every replica updated and available, no old ones left.
 * `rollingOut`: pods of an older template still exist. Without one, a
 * Deployment that once completed keeps NewReplicaSetAvailable whatever its
 * pods do (a scale-up that cannot be placed, a pod failing later): upstream
 * estimates no progress then (syncRolloutStatus's isCompleteDeployment), so
 * only a new template starts a deadline.
 * Progress, as upstream's DeploymentProgressing, is more updated, ready or
 * available pods, or fewer old ones, than the stored status counted: each
 * restarts the deadline; a new set made restarts it too. A change of the
 * spec alone (a new progressDeadlineSeconds) does not. Pausing keeps a
 * timed-out condition, as upstream's checkPausedConditions; resuming says
 * DeploymentResumed.
 */
export function progressingCondition(deploy: Deployment, counts: RolloutCounts, complete: boolean, rollingOut: boolean, nowMs: number, now: string, newReplicaSet?: string, newSet?: NewSetEvent): Progress {
  // upstream names the new ReplicaSet; before there is one, the Deployment
  const subject = newReplicaSet ? `ReplicaSet "${newReplicaSet}"` : `Deployment "${deploy.metadata.name}"`;
  const prev = deploy.status?.conditions?.find((c) => c.type === 'Progressing');
  const mk = (status: Condition['status'], reason: string, message: string, lastUpdateTime = now): Condition =>
    ({ type: 'Progressing', status, reason, message, lastUpdateTime });
  if (deploy.spec.paused) {
    if (prev?.reason === PROGRESS_DEADLINE_EXCEEDED) return { condition: prev };
    return { condition: prev?.reason === 'DeploymentPaused' ? prev : mk('Unknown', 'DeploymentPaused', 'Deployment is paused') };
  }
  if (prev?.reason === 'DeploymentPaused') return withDeadline(deploy, mk('Unknown', 'DeploymentResumed', 'Deployment is resumed'), nowMs);
  if (complete || (prev?.reason === 'NewReplicaSetAvailable' && !rollingOut && !newSet?.made)) {
    return { condition: prev?.reason === 'NewReplicaSetAvailable' ? prev : mk('True', 'NewReplicaSetAvailable', `${subject} has successfully progressed.`) };
  }
  if (newSet?.made) return withDeadline(deploy, mk('True', 'NewReplicaSetCreated', `Created new replica set "${newSet.name}"`), nowMs);
  if (newSet && !prev) return withDeadline(deploy, mk('True', 'FoundNewReplicaSet', `Found new replica set "${newSet.name}"`), nowMs);
  const old = deploy.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const progressed = prev?.reason === 'NewReplicaSetAvailable'
    || counts.updatedReplicas > (old.updatedReplicas ?? 0)
    || counts.replicas - counts.updatedReplicas < oldOld
    || counts.readyReplicas > (old.readyReplicas ?? 0)
    || counts.availableReplicas > (old.availableReplicas ?? 0);
  const progressing = mk('True', 'ReplicaSetUpdated', `${subject} is progressing.`);
  if (progressed || !prev) return withDeadline(deploy, progressing, nowMs);
  if (prev.reason === PROGRESS_DEADLINE_EXCEEDED) return { condition: prev };
  const since = Date.parse(prev.lastUpdateTime ?? prev.lastTransitionTime ?? now);
  const deadlineMs = deadlineSeconds(deploy) * 1000;
  if (Number.isFinite(deadlineMs) && nowMs - since > deadlineMs) {
    return { condition: mk('False', PROGRESS_DEADLINE_EXCEEDED, `${subject} has timed out progressing.`) };
  }
  return withDeadline(deploy, { ...prev }, nowMs, since);
}

function withDeadline(deploy: Deployment, condition: Condition, nowMs: number, sinceMs = nowMs): Progress {
  const deadlineMs = deadlineSeconds(deploy) * 1000;
  if (!Number.isFinite(deadlineMs)) return { condition };
  // conditions keep whole seconds: one more so the recheck lands past the deadline
  return { condition, recheckInMs: Math.max(0, sinceMs + deadlineMs - nowMs) + 1000 };
}

/** Infinity when unset or math.MaxInt32, upstream's "no deadline" */
function deadlineSeconds(deploy: Deployment): number {
  const s = deploy.spec.progressDeadlineSeconds;
  return s === undefined || s >= 2 ** 31 - 1 ? Infinity : s;
}

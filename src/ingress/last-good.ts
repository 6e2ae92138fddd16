// What the controller renders when NGINX rejects a configuration (issue 6: "a
// configuration NGINX rejects is never loaded: the last good one keeps serving
// and the Ingress that caused it gets a Warning Event").
//
// It remembers, per Ingress, the version of the object that was part of the
// last configuration NGINX accepted. An Ingress blamed for a rejection is
// rendered from that version (its routes and status stay as they were), and
// left out only when it has none, or when that version is blamed too. Blame
// only escalates (current → last good → left out), so the controller's
// re-render loop ends. An error that names no line sets aside every Ingress
// changed since the last accepted configuration instead (setAsideChanged): that
// set was fine. A blamed Ingress gets another chance when it changes (forget)
// or when any Secret changes (forgetAll): the cause may be gone.

import type { Ingress } from '../api/types.js';
import { refKey, refOf, type IngressRef, type IngressWarning } from './route-table.js';

export const REJECTED_CONFIG = 'RejectedConfig';

type Fallback = 'last-good' | 'left-out';

/** `untraced`: set aside because it changed when NGINX gave an error that names no line (setAsideChanged) */
interface Blame { ref: IngressRef; error: string; fallback: Fallback; hadLastGood: boolean; untraced?: boolean }

/** What an Ingress asks of the controller; status and metadata churn do not count. */
export function sameDesiredState(a: Ingress, b: Ingress): boolean {
  return JSON.stringify([a.spec, a.metadata.annotations]) === JSON.stringify([b.spec, b.metadata.annotations]);
}


export class LastGoodIngresses {
  /** key → the version that was part of the last accepted configuration */
  private accepted = new Map<string, Ingress>();
  private blamed = new Map<string, Blame>();
  /** whether NGINX has accepted a configuration since this controller started (what "changed since" is measured against) */
  private acceptedOnce = false;

  get hasAcceptedOnce(): boolean { return this.acceptedOnce; }

  /** The Ingresses to render: blamed ones replaced by their last good version, or listed in `exclude`. */
  inputs(current: readonly Ingress[]): { ingresses: Ingress[]; exclude: Set<string> } {
    const ingresses: Ingress[] = [];
    const exclude = new Set<string>();
    for (const ing of current) {
      const key = refKey(refOf(ing));
      const blame = this.blamed.get(key);
      if (!blame) ingresses.push(ing);
      else if (blame.fallback === 'last-good') ingresses.push(this.accepted.get(key)!);
      else exclude.add(key);
    }
    return { ingresses, exclude };
  }

  /** NGINX accepted a configuration rendered from these versions (the served ones): they are the last good ones now. */
  acceptedVersions(served: readonly IngressRef[], rendered: readonly Ingress[]): void {
    const byKey = new Map(rendered.map((ing) => [refKey(refOf(ing)), ing]));
    this.accepted = new Map(served.map((ref) => [refKey(ref), byKey.get(refKey(ref))!]));
    this.acceptedOnce = true;
  }


  /**
   * NGINX rejected a configuration and `culprits` caused it: each falls back
   * one step. False when none could fall back further (nothing left to try).
   */
  blame(culprits: readonly IngressRef[], error: string, current: readonly Ingress[]): boolean {
    let moved = false;
    for (const ref of culprits) {
      const key = refKey(ref);
      const before = this.blamed.get(key);
      if (before?.fallback === 'left-out') continue;
      const good = this.accepted.get(key);
      const now = current.find((ing) => refKey(refOf(ing)) === key);
      // Rendering the last good version only helps if it differs from what was just rejected.
      const lastGoodDiffers = good !== undefined && now !== undefined && !sameDesiredState(good, now);
      if (!before && lastGoodDiffers) {
        this.blamed.set(key, { ref, error, fallback: 'last-good', hadLastGood: true });
      } else {
        this.blamed.set(key, { ref, error: before?.error ?? error, fallback: 'left-out', hadLastGood: good !== undefined });
      }
      moved = true;
    }
    return moved;
  }

  /**
   * NGINX rejected a configuration with an error that names no line (nothing
   * to blame by attributeConfError). The last accepted set of versions was
   * fine, so the cause is among the Ingresses (of `candidates`) that changed
   * since it or are new: each not blamed yet falls back to its last good
   * version, or is left out when it has none. Returns those set aside; none
   * means the error is not theirs.
   */
  setAsideChanged(candidates: readonly Ingress[], error: string): IngressRef[] {
    const moved: IngressRef[] = [];
    for (const ing of candidates) {
      const ref = refOf(ing);
      const key = refKey(ref);
      if (this.blamed.has(key)) continue;
      const good = this.accepted.get(key);
      if (good && sameDesiredState(good, ing)) continue;
      this.blamed.set(key, { ref, error, fallback: good ? 'last-good' : 'left-out', hadLastGood: good !== undefined, untraced: true });
      moved.push(ref);
    }
    return moved;
  }

  /** Whether this Ingress is rendered from its last good version (its current one was rejected). */
  rendersLastGood(key: string): boolean { return this.blamed.get(key)?.fallback === 'last-good'; }

  /** The Ingress changed: try its new version. */
  forget(key: string): void { this.blamed.delete(key); }

  /** A Secret changed (a certificate may be fixed): try every blamed Ingress again. */
  forgetAll(): void { this.blamed.clear(); }

  /** Ingresses (of `candidates`) whose desired state differs from the version in the last accepted configuration, or that had none. */
  changedSinceAccepted(candidates: readonly Ingress[]): IngressRef[] {
    return candidates.filter((ing) => {
      const good = this.accepted.get(refKey(refOf(ing)));
      return !good || !sameDesiredState(good, ing);
    }).map(refOf);
  }

  /** One RejectedConfig warning per blamed Ingress, saying what NGINX said and what is served instead. */
  warnings(): IngressWarning[] {
    return [...this.blamed.values()].map((b) => ({ ingress: b.ref, reason: REJECTED_CONFIG, message: rejectionMessage(b) }));
  }
}

function rejectionMessage(b: Blame): string {
  const said = b.untraced
    ? `nginx rejected the configuration with an error that could not be traced to an Ingress, and this Ingress had changed since the last configuration nginx accepted: ${oneLine(b.error)}`
    : `nginx rejected the configuration rendered from this Ingress: ${oneLine(b.error)}`;
  if (b.fallback === 'last-good') return `${said}; its last version nginx accepted keeps serving until it changes`;
  if (!b.hadLastGood) return `${said}; it is not served until it changes: no version of it was ever part of an accepted configuration`;
  return `${said}; it is not served until it changes: its last accepted version is rejected now too`;
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

// pod-template-hash / controller-revision-hash: a short, stable name for a pod
// template, drawn from the same alphabet as upstream (no vowels, so a hash
// never spells a word).

import { createHash } from 'node:crypto';
import { stableJson } from '../api/stable-json.js';
import type { PodTemplateSpec } from '../api/types.js';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const HASH_LENGTH = 10;
const SUFFIX_LENGTH = 5;

/**
 * The text (and so every hash) must never change: running pods carry it in
 * their pod-template-hash label, and a different hash means a rollout.
 */
export function templateHash(template: PodTemplateSpec, collisionCount?: number): string {
  // upstream's ComputeHash adds the Deployment's status.collisionCount: a set of another owner holding the name moves the new one aside
  const text = collisionCount ? `${stableJson(template)}${collisionCount}` : stableJson(template);
  const digest = createHash('sha256').update(text).digest();
  let out = '';
  for (let i = 0; i < HASH_LENGTH; i++) out += SAFE_ALPHABET[digest[i]! % SAFE_ALPHABET.length];
  return out;
}

/**
 * Five characters for a generated name. Like upstream (utilrand.String, on
 * math/rand) this needs no cryptographic randomness, only few collisions
 * (27^5 ≈ 14 million), and a collision is an AlreadyExists the controller
 * retries; crypto.randomInt cost a syscall per character in a burst of 1,000.
 */
export function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) out += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return out;
}

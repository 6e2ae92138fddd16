// The two pure entry points the brief names: a whole transaction, and the
// transaction from one state to the next.

import { renderDiff, renderFull } from './render.js';
import { buildModel, type ProxyState } from './ruleset.js';

/** The full `nft -f -` transaction for a state: replaces the table atomically. */
export function renderRuleset(state: ProxyState): string {
  return renderFull(buildModel(state)).text;
}

/**
 * The transaction that turns the table rendered for prev into the one for
 * next: element and chain edits only; the full transaction when the change
 * cannot be expressed that way; '' when nothing changed.
 */
export function renderChanges(prev: ProxyState, next: ProxyState): string {
  const nextModel = buildModel(next);
  return (renderDiff(buildModel(prev), nextModel) ?? renderFull(nextModel)).text;
}

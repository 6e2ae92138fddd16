// STUB: replaced by the validation work. Signatures are the contract.
import type { LabelSelector } from './types.js';

export interface Requirement { key: string; operator: 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' ; values: string[] }

/** Parses a label selector string (`app=web,tier in (a,b),!legacy`); throws Error with a kubectl-like message when malformed. */
export function parseSelector(_text: string): Requirement[] { return []; }

export function matchesRequirements(_reqs: Requirement[], _labels: Record<string, string> | undefined): boolean { return true; }

/** matchLabels AND matchExpressions; an empty selector matches everything (as for Deployments). */
export function matchesLabelSelector(_sel: LabelSelector | undefined, _labels: Record<string, string> | undefined): boolean { return true; }

/** Service-style selector (a plain map): empty or missing selects nothing. */
export function matchesServiceSelector(_sel: Record<string, string> | undefined, _labels: Record<string, string> | undefined): boolean { return false; }

export function selectorToString(_sel: LabelSelector): string { return ''; }

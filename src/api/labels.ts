// Label selectors: the string syntax of `-l` (k8s.io/apimachinery
// pkg/labels/selector.go), metav1.LabelSelector matching, and the plain-map
// selectors of Services. Pure; used by the API server (list filtering), the
// controllers (ownership), the proxy (endpoints) and validation.

import { field, type FieldError } from '../errors.js';
import type { LabelSelector } from './types.js';
import { isLabelValue, isQualifiedName } from './validation/names.js';
import { get, goLabelSelector, isObj } from './validation/fields.js';
import { validateLabelName, validateLabels } from './validation/label-rules.js';

export interface Requirement { key: string; operator: 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!' ; values: string[] }

type Labels = Record<string, string> | undefined;

// ---- parsing (selector.go's lexer + parser, simplified to one pass) ----

type TokenKind = 'id' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | 'in' | 'notin' | 'gt' | 'lt' | 'end';
interface Token { kind: TokenKind; text: string }

// Characters that end an identifier, as in selector.go's isSpecialSymbol/isWhitespace.
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);

function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '=' && input[i + 1] === '=') { out.push({ kind: '==', text: '==' }); i += 2; continue; }
    if (c === '!' && input[i + 1] === '=') { out.push({ kind: '!=', text: '!=' }); i += 2; continue; }
    if (c === '=' || c === '!' || c === '(' || c === ')' || c === ',') { out.push({ kind: c, text: c }); i++; continue; }
    if (c === '>' || c === '<') { out.push({ kind: c === '>' ? 'gt' : 'lt', text: c }); i++; continue; }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j]!) && !/\s/.test(input[j]!)) j++;
    const text = input.slice(i, j);
    out.push({ kind: text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'id', text });
    i = j;
  }
  out.push({ kind: 'end', text: '' });
  return out;
}

/** the token's literal in messages; the end of the string has none, as upstream's lexer */
function describe(t: Token): string {
  return t.text;
}

function checkKey(key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length) throw new Error(`unable to parse requirement: invalid label key "${key}": ${errs.join('; ')}`);
}

function checkValue(key: string, value: string): void {
  const errs = isLabelValue(value);
  if (errs.length) throw new Error(`unable to parse requirement: invalid label value: "${value}": at key: "${key}": ${errs.join('; ')}`);
}

/** Parses a label selector string (`app=web,tier in (a,b),!legacy`); throws Error with a kubectl-like message when malformed. */
export function parseSelector(text: string): Requirement[] {
  const toks = lex(text);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const reqs: Requirement[] = [];
  if (peek().kind === 'end') return reqs;
  for (;;) {
    let t = next();
    if (t.kind === '!') {
      const k = next();
      if (k.kind !== 'id') throw new Error(`unable to parse requirement: found '${describe(k)}', expected: identifier`);
      checkKey(k.text);
      reqs.push({ key: k.text, operator: '!', values: [] });
    } else if (t.kind === 'id') {
      const key = t.text;
      checkKey(key);
      const op = peek();
      if (op.kind === ',' || op.kind === 'end') {
        reqs.push({ key, operator: 'exists', values: [] });
      } else if (op.kind === 'gt' || op.kind === 'lt') {
        next();
        const v = next();
        if (v.kind !== 'id') throw new Error(`unable to parse requirement: found '${describe(v)}', expected: identifier`);
        // upstream NewRequirement: Gt and Lt compare integers
        if (!/^[-+]?\d+$/.test(v.text)) throw new Error(`unable to parse requirement: values[0]: Invalid value: "${v.text}": for 'Gt', 'Lt' operators, the value must be an integer`);
        reqs.push({ key, operator: op.kind, values: [v.text] });
      } else if (op.kind === '=' || op.kind === '==' || op.kind === '!=') {
        next();
        const v = peek();
        let value = '';
        // An empty value (`a=`) is legal: it selects the empty label value.
        if (v.kind === 'id' || v.kind === 'in' || v.kind === 'notin') { value = v.text; next(); }
        else if (v.kind !== ',' && v.kind !== 'end') throw new Error(`unable to parse requirement: found '${describe(v)}', expected: identifier`);
        checkValue(key, value);
        reqs.push({ key, operator: op.kind, values: [value] });
      } else if (op.kind === 'in' || op.kind === 'notin') {
        next();
        const open = next();
        if (open.kind !== '(') throw new Error(`unable to parse requirement: found '${describe(open)}', expected: '('`);
        // upstream parseValues / parseIdentifiersList: an empty entry is the
        // empty value, so `()`, `(a,)`, `(,a)` and `(a,,b)` all hold ""
        const values = new Set<string>();
        const isValue = (x: Token) => x.kind === 'id' || x.kind === 'in' || x.kind === 'notin';
        const first = peek();
        if (first.kind === ')') {
          values.add('');
        } else if (isValue(first) || first.kind === ',') {
          for (;;) {
            const v = next();
            if (isValue(v)) {
              checkValue(key, v.text);
              values.add(v.text);
              const after = peek();
              if (after.kind === ')') break;
              if (after.kind !== ',') throw new Error(`unable to parse requirement: found '${describe(after)}', expected: ',' or ')'`);
            } else if (v.kind === ',') {
              if (values.size === 0) values.add('');
              const after = peek();
              if (after.kind === ')') { values.add(''); break; }
              if (after.kind === ',') { next(); values.add(''); }
            } else {
              throw new Error(`unable to parse requirement: found '${describe(v)}', expected: ',', or identifier`);
            }
          }
        } else {
          throw new Error(`unable to parse requirement: found '${describe(first)}', expected: ',', ')' or identifier`);
        }
        next(); // the ')'
        reqs.push({ key, operator: op.kind, values: [...values].sort() });
      } else {
        throw new Error(`unable to parse requirement: found '${describe(op)}', expected: in, notin, =, ==, !=, gt, lt, or end of string`);
      }
    } else {
      // outside a requirement: upstream's parse() does not add "unable to parse requirement"
      throw new Error(`found '${describe(t)}', expected: !, identifier, or 'end of string'`);
    }
    t = next();
    if (t.kind === 'end') break;
    if (t.kind !== ',') throw new Error(`found '${describe(t)}', expected: ',' or 'end of string'`);
    if (peek().kind !== 'id' && peek().kind !== '!') throw new Error(`found '${describe(peek())}', expected: identifier after ','`);
  }
  return reqs;
}

// ---- matching ----

function matchesOne(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case '=': case '==': case 'in':
      return has && r.values.includes(labels[r.key]!);
    case '!=': case 'notin':
      return !has || !r.values.includes(labels[r.key]!);
    case 'gt': case 'lt': {
      // upstream: the label's value must parse as an integer, else no match
      if (!has || !/^[-+]?\d+$/.test(labels[r.key]!)) return false;
      const diff = Number(labels[r.key]) - Number(r.values[0]);
      return r.operator === 'gt' ? diff > 0 : diff < 0;
    }
    case 'exists':
      return has;
    case '!':
      return !has;
  }
  return false;
}

export function matchesRequirements(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => matchesOne(r, l));
}

/** metav1.LabelSelector → requirements; undefined when the selector is malformed (matches nothing). */
export function labelSelectorRequirements(sel: LabelSelector): Requirement[] | undefined {
  const reqs: Requirement[] = [];
  const ml = get(sel, 'matchLabels');
  if (ml !== undefined && ml !== null) {
    if (!isObj(ml)) return undefined;
    for (const [k, v] of Object.entries(ml)) reqs.push({ key: k, operator: '=', values: [String(v)] });
  }
  const me = get(sel, 'matchExpressions');
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) return undefined;
    for (const e of me) {
      const key = get(e, 'key');
      const values = get(e, 'values') ?? [];
      if (typeof key !== 'string' || !Array.isArray(values)) return undefined;
      const vals = values.map(String);
      switch (get(e, 'operator')) {
        case 'In': reqs.push({ key, operator: 'in', values: vals }); break;
        case 'NotIn': reqs.push({ key, operator: 'notin', values: vals }); break;
        case 'Exists': reqs.push({ key, operator: 'exists', values: [] }); break;
        case 'DoesNotExist': reqs.push({ key, operator: '!', values: [] }); break;
        default: return undefined;
      }
    }
  }
  return reqs;
}

/**
 * matchLabels AND matchExpressions; an empty selector matches everything (as for Deployments).
 * A missing (undefined/null) or malformed selector matches nothing, as
 * metav1.LabelSelectorAsSelector(nil) does.
 */
export function matchesLabelSelector(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (sel === undefined || sel === null) return false;
  const reqs = labelSelectorRequirements(sel);
  return reqs !== undefined && matchesRequirements(reqs, labels);
}

/** Service-style selector (a plain map): empty or missing selects nothing. */
export function matchesServiceSelector(sel: Record<string, string> | undefined, labels: Labels): boolean {
  if (!isObj(sel) || Object.keys(sel).length === 0) return false;
  const l = labels ?? {};
  return Object.entries(sel).every(([k, v]) => Object.prototype.hasOwnProperty.call(l, k) && l[k] === v);
}

function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case '=': case '==': return `${r.key}=${r.values[0] ?? ''}`;
    case '!=': return `${r.key}!=${r.values[0] ?? ''}`;
    case 'in': return `${r.key} in (${[...r.values].sort().join(',')})`;
    case 'notin': return `${r.key} notin (${[...r.values].sort().join(',')})`;
    case 'exists': return r.key;
    case '!': return `!${r.key}`;
  }
  return '';
}

/**
 * The `-l` string form of a LabelSelector, requirements sorted by key as
 * LabelSelectorAsSelector does (so `app=web,tier in (a,b)`); '' for an empty
 * selector. Round-trips through parseSelector.
 */
export function selectorToString(sel: LabelSelector): string {
  const reqs = labelSelectorRequirements(sel) ?? [];
  return reqs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.key < b.r.key ? -1 : a.r.key > b.r.key ? 1 : a.i - b.i))
    .map(({ r }) => requirementToString(r))
    .join(',');
}

/** ValidateLabelSelector (apimachinery meta/v1/validation), values checked strictly. */
export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (sel === undefined || sel === null) return errs;
  if (!isObj(sel)) return [field.invalid(path, sel, 'must be an object')];
  const ml = sel.matchLabels;
  if (ml !== undefined && ml !== null) {
    if (!isObj(ml)) errs.push(field.invalid(`${path}.matchLabels`, ml, 'must be an object'));
    else errs.push(...validateLabels(ml as Record<string, string>, `${path}.matchLabels`));
  }
  const me = sel.matchExpressions;
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) {
      errs.push(field.invalid(`${path}.matchExpressions`, me, 'must be a list'));
    } else {
      me.forEach((e, i) => {
        const p = `${path}.matchExpressions[${i}]`;
        const values = get(e, 'values');
        const vals = Array.isArray(values) ? values : [];
        validateSetOperator(get(e, 'operator'), vals.length, p, errs);
        const key = get(e, 'key');
        errs.push(...validateLabelName(typeof key === 'string' ? key : '', `${p}.key`));
        vals.forEach((v, j) => {
          for (const m of isLabelValue(String(v))) errs.push(field.invalid(`${p}.values[${j}]`, v, m));
        });
      });
    }
  }
  return errs;
}

/** Go rendering of a selector, for messages that print one. */
export const renderLabelSelector = goLabelSelector;

/** A set-based requirement's operator and how many values it has (label selectors and node selector terms alike). */
export function validateSetOperator(op: unknown, values: number, path: string, errs: FieldError[]): void {
  switch (op) {
    case 'In': case 'NotIn':
      if (values === 0) errs.push(field.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (values > 0) errs.push(field.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(field.invalid(`${path}.operator`, op ?? '', 'not a valid selector operator'));
  }
}

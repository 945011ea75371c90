import { badRequest } from './status.js';

/** One requirement of a label selector, in the API server's terms. */
export type LabelRequirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!' };

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas outside parentheses: `a in (x,y),b` → [`a in (x,y)`, `b`]. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(key: string, raw: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${raw}"`);
  return key;
}

function checkValue(value: string, raw: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in "${raw}"`);
  }
  return value;
}

/**
 * Parses a label selector: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`.
 * Throws a 400 BadRequest KubeApiError on anything else, as the API server does.
 */
export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector) return [];
  return splitTop(selector).map((raw): LabelRequirement => {
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(raw);
    if (set) {
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length === 0)
        throw badRequest(
          `unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`,
        );
      return {
        key: checkKey(set[1]!, raw),
        op: set[2] as 'in' | 'notin',
        values: values.map((v) => checkValue(v, raw)),
      };
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(raw);
    if (eq) {
      const values = [checkValue(eq[3]!, raw)];
      return { key: checkKey(eq[1]!, raw), op: eq[2] === '!=' ? 'notin' : 'in', values };
    }
    if (raw.startsWith('!')) return { key: checkKey(raw.slice(1).trim(), raw), op: '!' };
    return { key: checkKey(raw, raw), op: 'exists' };
  });
}

/** True when `labels` satisfy every requirement (an empty selector matches everything). */
export function matchesLabels(
  reqs: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  for (const r of reqs) {
    const value = labels?.[r.key];
    switch (r.op) {
      case 'in':
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case 'notin':
        if (value !== undefined && r.values.includes(value)) return false;
        break;
      case 'exists':
        if (value === undefined) return false;
        break;
      case '!':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}

/** One requirement of a field selector: `field=value` or `field!=value`. */
export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/**
 * Parses a field selector against the fields a resource supports; an unknown field is a 400
 * BadRequest (`field label not supported: x`), as the API server answers.
 */
export function parseFieldSelector(
  selector: string | undefined,
  supported: readonly string[],
): FieldRequirement[] {
  if (!selector) return [];
  return splitTop(selector).map((raw) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(raw);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${raw}'`);
    const field = m[1]!;
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, value: m[3]!.trim(), negate: m[2] === '!=' };
  });
}

/** True when the fields read by `get` satisfy every requirement (a missing field reads as ""). */
export function matchesFields(
  reqs: readonly FieldRequirement[],
  get: (field: string) => string | undefined,
): boolean {
  for (const r of reqs) {
    const value = get(r.field) ?? '';
    if ((value === r.value) === r.negate) return false;
  }
  return true;
}

/** The labels that a selector pins to exactly one value, usable to narrow a search through an index. */
export function equalities(reqs: readonly LabelRequirement[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const r of reqs) if (r.op === 'in' && r.values.length === 1) out.push([r.key, r.values[0]!]);
  return out;
}

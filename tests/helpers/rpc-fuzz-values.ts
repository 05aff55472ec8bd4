/**
 * Values for the RPC fuzz test, as JavaScript values supabase-js serialises (so NUL and lone
 * surrogates go as \u escapes, NaN and Infinity as null): per argument type the wrong forms
 * Postgres might still parse (uuids in braces, special dates like 'infinity' and 'epoch', interval
 * shorthands, numbers as text, 'NaN'), and what no type accepts: wrong JSON types, 1 MB strings,
 * NUL and lone surrogates, numbers past integer, arrays of 10,000 ids, nesting 1,500 deep (as deep
 * as supabase-js's JSON.stringify goes; the Data API fuzz test sends deeper raw text). Arguments
 * are put together by `args`: all valid, or one or two hostile, null or missing, sometimes with extra names.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { hostileString } from './fuzz-values.ts';

export const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);

const MB = 1 << 20;
/** Built once: generating megabytes per run would dominate the run time. */
export const HUGE_STRINGS = ['a'.repeat(MB), 'é'.repeat(MB / 2), `${'x'.repeat(MB - 1)}\u0000`, '😀'.repeat(MB / 4), `${'b'.repeat(4096)}\ud800`];
const nested = (depth: number, kind: 'array' | 'object') => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
};
export const DEEP = [nested(64, 'array'), nested(1000, 'object'), nested(1500, 'array'), nested(1500, 'object')];
export const MANY_IDS = { n1000: Array.from({ length: 1000 }, () => randomUUID()), n1001: Array.from({ length: 1001 }, () => randomUUID()), n10k: Array.from({ length: 10_000 }, () => randomUUID()) };

/** Any value of the wrong kind, for any argument. */
export const anyHostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: pick(HUGE_STRINGS) },
  { weight: 2, arbitrary: pick<unknown>([-1, 0, 1.5, -0, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, 5e-324, NaN, Infinity]) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
  { weight: 2, arbitrary: pick<unknown>([null, true, false, [], {}, [1, 2], { a: 1 }, [null], '', ' ', 'null', 'NaN', 'Infinity', '-Infinity', '1e400', '99999999999999999999']) },
  { weight: 1, arbitrary: pick(DEEP) },
  { weight: 1, arbitrary: fc.array(fc.oneof(hostileString, fc.integer(), fc.constant(null)), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, fc.oneof(hostileString, fc.integer()), { maxKeys: 3 }) },
);

/** Other spellings of a uuid Postgres accepts (upper case, braces, no hyphens) and near misses. */
export const uuidForms = (id: string): string[] => [id.toUpperCase(), `{${id}}`, id.replace(/-/g, ''), ` ${id}`, `${id}\u0000`, id.slice(0, -1), `${id}0`, id.replace(/-/g, '_')];
export const uuidHostile = (ids: string[]): fc.Arbitrary<unknown> => fc.oneof(
  { weight: 2, arbitrary: pick(ids).chain((id) => pick(uuidForms(id))) },
  { weight: 2, arbitrary: pick<unknown>(['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'not-a-uuid', '', 12345, ['x']]) },
  { weight: 1, arbitrary: fc.uuid() },
);

/** Dates: Postgres' special inputs, the ends of its range and just past them, impossible days, other notations. */
export const DATE_HOSTILE = ['infinity', '-infinity', 'epoch', 'today', 'tomorrow', 'yesterday', 'now', 'allballs', '4713-01-01 BC', '4714-11-24 BC', '4714-11-23 BC',
  '0001-01-01', '0000-01-01', '5874897-12-31', '5874898-01-01', '294276-12-31', '2026-02-29', '2026-13-01', '2026-00-10', '2026-12-01T25:00', '2026-12-01 23:59:59+14',
  'J2451187', '20261201', '12/01/2026', '1999-01-08 04:05:06 PST', 'Jan 8 99', '2026-12-01\u0000', '2026-W48', '+2026-12-01', '２０２６-１２-０１'];
export const dateHostile: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: pick(DATE_HOSTILE) },
  { weight: 1, arbitrary: fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: pick<unknown>([20261201, 1.5, true, [2026, 12, 1], { year: 2026 }]) });

export const intHostile: fc.Arbitrary<unknown> = pick<unknown>([-1, -(2 ** 31), 2 ** 31, 2 ** 31 - 1, 2 ** 53, 1.5, 1e10, '1', '1.0', ' 7', '0x10', '1_000', '1e3', '-0', 'NaN', '', true, [1]]);
export const numericHostile: fc.Arbitrary<unknown> = pick<unknown>([-1, -0.000001, -0, 1e8, 99999999.9999995, 1e20, 1e308, 5e-324, 'NaN', 'nan', 'Infinity', '-Infinity', 'inf',
  '1e400', '-1e400', '1e-400', '1e131072', '0.0000001', '99999999.999999', '100000000', ' 1 ', '1,5', '$1', true, [1]]);
export const textHostile: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: hostileString }, { weight: 1, arbitrary: pick(HUGE_STRINGS) },
  { weight: 1, arbitrary: pick<unknown>([1, true, { a: 1 }, ['a'], '\u200b', '\ufeff', 'x'.repeat(201), 'x'.repeat(321)]) });
export const enumHostile = (labels: string[]): fc.Arbitrary<unknown> => fc.oneof(
  { weight: 2, arbitrary: pick(labels).chain((l) => pick([l.toUpperCase(), ` ${l}`, `${l} `, `${l}\u0000`, `${l}s`, l.slice(1)])) },
  { weight: 2, arbitrary: pick<unknown>(['', 'unknown', 'superadmin', 'null', 0, 1, true, ['member']]) },
  { weight: 1, arbitrary: hostileString },
);
export const intervalHostile: fc.Arbitrary<unknown> = pick<unknown>(['4 minutes 59 seconds', '30 days 1 second', '31 days', '-1 hour', '0', 'infinity', '-infinity',
  '178000000 years', '1 year', '2147483647 days', '1e9 hours', 'P1D', 'PT1H', 'P1M', '00:04:59', 'forever', '', '1 fortnight', 299, 300, 1e12, -3600, true]);

const MISSING = Symbol('missing');

export interface ArgSpec { valid: fc.Arbitrary<unknown>; hostile: fc.Arbitrary<unknown>; optional?: boolean }

const EXTRA_NAMES = ['p_extra', 'tenant_id', 'p_tenant', '__proto__', 'constructor', '', 'p_', 'P_ROLE', 'p_role ', 'p_token\u0000'];

/**
 * An argument object: two in five with every argument valid (so calls reach the function's own
 * checks and writes), the others with one or two arguments spoiled (hostile, null, or missing: a
 * missing required argument, like an extra name, matches no function, PGRST202), sometimes with
 * unknown extra names besides.
 */
export function args(fields: Record<string, ArgSpec>): fc.Arbitrary<Record<string, unknown>> {
  const names = Object.keys(fields);
  const valid = fc.tuple(...names.map((n) => fields[n].valid));
  const spoiled = fc.tuple(...names.map((n) => fc.oneof(
    { weight: 6, arbitrary: fc.oneof({ weight: 3, arbitrary: fields[n].hostile }, { weight: 1, arbitrary: anyHostile }) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: fields[n].optional ? 3 : 1, arbitrary: fc.constant(MISSING) },
  )));
  const which = fc.uniqueArray(fc.nat(names.length - 1), { minLength: 1, maxLength: Math.min(2, names.length) });
  const extras = fc.oneof({ weight: 10, arbitrary: fc.constant([] as [string, unknown][]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(pick(EXTRA_NAMES), hostileString), anyHostile), { minLength: 1, maxLength: 2 }) });
  // Optional arguments are left out of valid calls too, sometimes.
  const omit = fc.tuple(...names.map((n) => fields[n].optional ? fc.boolean() : fc.constant(false)));
  const mixed = fc.oneof(
    { weight: 2, arbitrary: fc.tuple(valid, omit).map(([v, o]) => [v.map((x, i) => (o[i] ? MISSING : x)), [] as [string, unknown][]] as const) },
    { weight: 3, arbitrary: fc.tuple(valid, spoiled, which, extras).map(([v, sp, w, ex]) => [v.map((x, i) => (w.includes(i) ? sp[i] : x)), ex] as const) },
  );
  return mixed.map(([values, ex]) => {
    const out: Record<string, unknown> = {};
    const pairs: [string, unknown][] = [...names.map((n, i) => [n, values[i]] as [string, unknown]).filter(([, v]) => v !== MISSING), ...ex];
    // (defineProperty: an own "__proto__" key, which JSON.stringify sends like any other.)
    for (const [k, v] of pairs) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
}

/** A short, printable form of the arguments (megabyte strings and long arrays summarised). */
export function describeArgs(a: Record<string, unknown>): string {
  return JSON.stringify(a, (_, v) => typeof v === 'string' && v.length > 80 ? `<${v.length} chars: ${JSON.stringify(v.slice(0, 20))}…>`
    : Array.isArray(v) && v.length > 8 ? `<array of ${v.length}: ${JSON.stringify(v.slice(0, 2))}…>` : v).slice(0, 1500);
}

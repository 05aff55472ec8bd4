/**
 * Hostile values for the fuzz suite: strings with NUL, lone surrogates and traversal, wrong types,
 * huge numbers and numbers beyond bigint (as raw JSON tokens), deep nesting, and JSON bodies built
 * from a route's fields with each field valid, hostile, missing or duplicated, plus extra fields.
 */
import fc from 'fast-check';

/** A token written into JSON text as is (numbers JSON.stringify cannot produce, deep nesting). */
export class Raw {
  constructor(readonly text: string) {}
}
/** An object as ordered key/value pairs (so keys may repeat or be __proto__). */
export class Obj {
  constructor(readonly pairs: [string, Json][]) {}
}
export type Json = string | number | boolean | null | Raw | Obj | Json[];

/** JSON text of a value; strings go through JSON.stringify, so NUL and lone surrogates are escaped. */
export function toJson(v: Json): string {
  if (v instanceof Raw) return v.text;
  if (v instanceof Obj) return `{${v.pairs.map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  return JSON.stringify(v) ?? 'null';
}

const specialChar = fc.constantFrom(
  '\u0000', '\u0000', '\ud800', '\udfff', '\udc00', '\ud83d', '\u0001', '\u001f', '\u007f', '\u0085', '\u2028', '\ufeff', '\ufffe', '\uffff',
  '\u202e', '\u0301', '😀', 'é', '"', '\\', '/', '.', '%', "'", '\n', '\r', '\t', ' ', '<', '$', '{', '\u00a0', 'ß', '\u0130',
);
const mixedChar = fc.oneof({ weight: 3, arbitrary: specialChar }, { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme-ascii' }) },
  fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }));

const traversal = fc.constantFrom('..', '../..', '..\\..', '%2e%2e', '%2E.', '.%2e', '%252e%252e', '..%2f', '..%5c', '..;', '\\..\\', '.', './', '%00', '%zz', '%', '%e0%80', '%c0%ae%c0%ae');

/** A string meant to break things: NUL, lone surrogates, controls, traversal, odd lengths. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(mixedChar, { maxLength: 24 }).map((cs) => cs.join('')) },
  { weight: 2, arbitrary: traversal },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', 'undefined', 'true', '0', '-1', 'NaN', "'; select pg_sleep(1);--", '{{7*7}}', '${env}') },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(1, 2, 50, 51, 100, 101, 200, 201, 1024, 1025, 2000, 2001, 10_000, 70_000), fc.constantFrom('a', '\u0000', 'é', '😀', '\ud800'))
    .map(([n, c]) => c.repeat(n)) },
);

/** A valid value spoiled: NUL, a lone surrogate or a traversal inserted, or case and padding changed. */
export function spoiled(valid: string): fc.Arbitrary<string> {
  return fc.tuple(fc.nat(valid.length), fc.oneof(specialChar, traversal), fc.constantFrom('insert', 'upper', 'pad', 'append', 'truncate'))
    .map(([at, bad, how]) => how === 'upper' ? valid.toUpperCase()
      : how === 'pad' ? ` ${valid} `
        : how === 'append' ? valid + bad
          : how === 'truncate' ? valid.slice(0, at)
            : valid.slice(0, at) + bad + valid.slice(at));
}

/** Nesting of arrays or objects thousands of levels deep, as raw text (cheap to build). */
export const deepNesting: fc.Arbitrary<Raw> = fc.tuple(fc.constantFrom(64, 1000, 3000, 10_000), fc.constantFrom('array', 'object', 'mixed'))
  .map(([depth, kind]) => {
    const open = kind === 'array' ? '[' : kind === 'object' ? '{"a":' : '[{"a":';
    const close = kind === 'array' ? ']' : kind === 'object' ? '}' : '}]';
    const reps = kind === 'mixed' ? Math.floor(depth / 2) : depth;
    return new Raw(open.repeat(reps) + '"\\u0000"' + close.repeat(reps));
  });

/** Numbers: huge, beyond bigint, beyond double, negative zero, fractions; raw where JSON allows only text. */
export const hostileNumber: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(-1, 0, 1.5, -0.0001, 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324),
  fc.constantFrom('1e309', '-1e309', '1e-400', '123456789012345678901234567890', '-99999999999999999999999999999999999999',
    '9223372036854775808', '-9223372036854775809', '18446744073709551616', '1.0', '1E2', '-0', '0.0000000000000000000000001').map((t) => new Raw(t)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value of the wrong kind: scalars, strings, numbers, containers, deep nesting. */
export const hostileValue: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: hostileString },
    { weight: 2, arbitrary: hostileNumber },
    { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, [], new Obj([])) },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(hostileString, tie('v')), { maxLength: 3 }).map((p) => new Obj(p)) },
    { weight: 1, arbitrary: deepNesting },
  ),
})).v;

export type FieldSpec = Record<string, fc.Arbitrary<Json>>;

const extraKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '', '\u0000', 'tenant_id', 'user_id', 'id', 'role', 'status'), hostileString);

/**
 * An object body from a route's fields: each field valid (from its arbitrary), hostile, or absent,
 * sometimes given twice; sometimes extra fields. Serialised as JSON text.
 */
export function objectBody(fields: FieldSpec, opts: { validWeight?: number } = {}): fc.Arbitrary<Obj> {
  const entries = Object.entries(fields).map(([name, valid]) => fc.oneof(
    { weight: opts.validWeight ?? 5, arbitrary: valid.map((v) => [[name, v]] as [string, Json][]) },
    { weight: 2, arbitrary: hostileValue.map((v) => [[name, v]] as [string, Json][]) },
    { weight: 1, arbitrary: fc.constant([] as [string, Json][]) },
    { weight: 1, arbitrary: fc.tuple(valid, hostileValue).map(([a, b]) => [[name, b], [name, a]] as [string, Json][]) },
  ));
  const extras = fc.oneof({ weight: 5, arbitrary: fc.constant([] as [string, Json][]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(extraKey, hostileValue), { minLength: 1, maxLength: 3 }) });
  return fc.tuple(fc.tuple(...entries), extras).map(([fs, ex]) => new Obj([...fs.flat(), ...ex]));
}

/** Bytes that are not UTF-8 or not JSON: overlong NUL, CESU surrogates, BOMs, truncation. */
export const brokenBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf, 0x7b, 0x7d], [0xfe, 0xff, 0x00, 0x7b], [0x7b, 0x00, 0x7d], [0x80])
    .map((b) => Uint8Array.from(b)),
  fc.uint8Array({ maxLength: 64 }),
);

/** Body text around a JSON object: the object itself mostly, else truncated, wrapped, not JSON at all. */
export function jsonText(body: fc.Arbitrary<Json>): fc.Arbitrary<{ text: string; note: string }> {
  return fc.oneof(
    { weight: 12, arbitrary: body.map((b) => ({ text: toJson(b), note: 'json' })) },
    { weight: 1, arbitrary: fc.tuple(body, fc.nat()).map(([b, n]) => { const t = toJson(b); return { text: t.slice(0, n % Math.max(t.length, 1)), note: 'json-truncated' }; }) },
    { weight: 1, arbitrary: hostileValue.map((v) => ({ text: toJson(v), note: 'json-not-object' })) },
    { weight: 1, arbitrary: hostileString.map((s) => ({ text: s, note: 'not-json' })) },
    { weight: 1, arbitrary: deepNesting.map((d) => ({ text: d.text, note: 'deep-nesting' })) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\ufeff{}', 'null', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":Infinity}', '[]').map((t) => ({ text: t, note: 'odd-json' })) },
  );
}

/** An oversized body (a few MB) around a string of `size` characters. */
export const oversized = (size: number, key = 'x') => new Obj([[key, new Raw(`"${'a'.repeat(size)}"`)]]);

/** A path segment, percent-encoded for the request target (fetch would reject or normalise most). */
export const encodeSegment = (s: string) => {
  try { return encodeURIComponent(s); } catch { return s.replace(/[\ud800-\udfff]/g, '%ED%A0%80').replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)); }
};

/** A hostile path segment, already in request-target form: encoded values, dot segments, bad escapes. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  // At most a few kB: a request target over 64 kB is refused by HTTP itself (a bare 400), before any route.
  { weight: 3, arbitrary: hostileString.map((s) => encodeSegment(s).slice(0, 6000)) },
  { weight: 2, arbitrary: traversal.map((t) => t.replace(/[^\x21-\x7e]/g, encodeURIComponent)) },
  { weight: 1, arbitrary: fc.constantFrom('', '%2f', '%5c', '%2F..%2F', '\\', 'a\\..', '%00', '%ff', '%e2%82', '%', '%%', '%g0', ';', '?x=%zz', '#', '"<>', '{}|^`') },
);

/** True when a request target holds a dot segment in any encoding (or a backslash one). */
export function hasDotSegment(target: string): boolean {
  const path = target.split('?')[0].split('#')[0].replace(/%2e/gi, '.').replace(/\\|%5c|%2f/gi, '/');
  return path.split('/').some((s) => s === '.' || s === '..');
}

/**
 * Whole hostile requests for the fuzz suite: method (mostly the route's, sometimes TRACE, PATCH,
 * lower case or made up), request target (canonical, or with dot segments in any encoding, bad
 * percent-encoding, NUL, odd query strings), credentials, content type, and the body with its
 * transport (plain, chunked, or a Content-Length that does not match).
 */
import fc from 'fast-check';
import type { FuzzContext } from './fuzz.ts';
import { type FuzzRequest, request, utf8 } from './fuzz-http.ts';
import { authHeaders } from './fuzz-tokens.ts';
import { brokenBytes, encodeSegment, hostileSegment, hostileString, jsonText, type Json } from './fuzz-values.ts';

export interface Body { bytes: Uint8Array; note: string }

export const oddMethod = fc.constantFrom('TRACE', 'PATCH', 'PUT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'FOO', 'M-SEARCH', 'patch', 'post', 'PROPFIND', 'QUERY');

/** A body: JSON text around the route's object (from jsonText), broken bytes, nothing, or oversized. */
export function body(object: fc.Arbitrary<Json>, opts: { oversize?: number } = {}): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 14, arbitrary: jsonText(object).map(({ text, note }) => ({ bytes: utf8(text), note })) },
    { weight: 1, arbitrary: brokenBytes.map((bytes) => ({ bytes, note: 'broken-bytes' })) },
    { weight: 1, arbitrary: fc.constant({ bytes: new Uint8Array(), note: 'empty' }) },
    ...(opts.oversize ? [{ weight: 1, arbitrary: fc.constantFrom(...new Set([opts.oversize + 1, 3 * 1024 * 1024]))
      .map((n) => ({ bytes: utf8(`{"x":"${'a'.repeat(n)}"}`), note: `oversized ${n}` })) }] : []),
  );
}

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded', 'application/json\u00e9', '*/*') },
);

const extraHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.constant([] as [string, string][]) },
  { weight: 1, arbitrary: fc.subarray<[string, string]>([
    ['Content-Encoding', 'gzip'], ['X-Forwarded-For', '127.0.0.1, 10.0.0.1'], ['Origin', 'http://evil.example'], ['X-Upsert', 'true'],
    ['Prefer', 'return=representation'], ['Accept', 'text/html'], ['X-Client-Info', '\xe9\xff'], ['Expect', '100-continue'],
    ['Range', 'bytes=0-1'], ['If-None-Match', '*'], ['X-Retry-Count', '-1'], ['X-Metadata', 'AAAA'],
  ], { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('X-Fuzz', 'Cache-Control', 'X-Metadata', 'X-Upsert', 'Accept-Language'), hostileString)
    .map(([k, v]) => [[k, v]] as [string, string][]) },
);

type Transport = { chunked?: number; declaredLength?: number; note: string };
function transport(size: number): fc.Arbitrary<Transport> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant({ note: 'plain' }) },
    // 1-byte chunks only for small bodies: megabytes of them take the HTTP layer itself many seconds.
    { weight: 2, arbitrary: fc.constantFrom(...(size <= 4096 ? [1, 7, 4096] : [4096, 65536])).map((c) => ({ chunked: c, note: `chunked ${c}` })) },
    { weight: 1, arbitrary: fc.constant({ declaredLength: Math.floor(size / 2), note: 'content-length short' }) },
    { weight: 1, arbitrary: fc.constant({ declaredLength: size + 10, note: 'content-length long' }) },
    { weight: 1, arbitrary: fc.constant({ declaredLength: 10 ** 12, note: 'content-length 1e12' }) },
  );
}

/** Header values as bytes on the wire: latin1 (UTF-8, or CESU-8 for a lone surrogate), no control bytes (HTTP itself refuses those). */
function headerSafe(v: string): string {
  let out = '';
  // Past a few kB a header is refused by HTTP itself (431 or a bare 400), before any route.
  for (const ch of v.slice(0, 4096).replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '')) {
    const u = ch.charCodeAt(0);
    if (ch.length === 1 && u >= 0xd800 && u <= 0xdfff) out += String.fromCharCode(0xed, 0xa0 | ((u >> 6) & 0x1f), 0x80 | (u & 0x3f)); // CESU-8
    else out += u <= 0xff && ch.length === 1 ? ch : Buffer.from(ch, 'utf8').toString('latin1');
  }
  return out;
}

export interface RequestParts {
  method: fc.Arbitrary<string>;
  target: fc.Arbitrary<{ target: string; note: string }>;
  body?: fc.Arbitrary<Body>;
  headers?: fc.Arbitrary<[string, string][]>;
  contentType?: fc.Arbitrary<string>;
  validAuthWeight?: number;
}

export function assemble(ctx: FuzzContext, parts: RequestParts): fc.Arbitrary<FuzzRequest> {
  const bodyArb = parts.body ?? fc.constant({ bytes: new Uint8Array(), note: 'no body' });
  return fc.tuple(parts.method, parts.target, authHeaders(ctx.creds, { validWeight: parts.validAuthWeight }), parts.contentType ?? contentType,
    parts.headers ?? extraHeaders, bodyArb)
    .chain((t) => transport(t[5].bytes.length).map((tr) => [...t, tr] as const))
    .map(([method, target, auth, type, extra, b, tr]) => {
      const headers = [...auth.headers, ...(type ? [['Content-Type', type] as [string, string]] : []), ...extra]
        .map(([k, v]) => [k, headerSafe(v)] as [string, string]);
      const noBody = b.bytes.length === 0 && b.note === 'no body';
      return request({
        method, target: target.target, headers, body: b.bytes, chunked: noBody ? undefined : tr.chunked,
        declaredLength: noBody ? undefined : tr.declaredLength,
        note: [`auth ${auth.note}`, `target ${target.note}`, b.note, noBody ? '' : tr.note].filter(Boolean).join('; '),
      });
    });
}

/** Targets for /functions/v1/<name>[/<action>]: canonical mostly; else dot segments, bad escapes, NUL. */
export function functionTarget(name: string, action = ''): fc.Arbitrary<{ target: string; note: string }> {
  const canonical = `/functions/v1/${name}${action ? `/${action}` : ''}`;
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant({ target: canonical, note: 'canonical' }) },
    { weight: 1, arbitrary: fc.constantFrom(`${canonical}/`, `${canonical}?`, `${canonical}#x`, `/functions/v1//${name}${action ? `/${action}` : ''}`, `http://127.0.0.1${canonical}`)
      .map((target) => ({ target, note: 'variant' })) },
    { weight: 2, arbitrary: fc.array(fc.tuple(hostileSegment, hostileSegment), { minLength: 1, maxLength: 3 })
      .map((q) => ({ target: `${canonical}?${q.map(([k, v]) => `${k}=${v}`).join('&')}`, note: 'hostile query' })) },
    { weight: 2, arbitrary: hostileSegment.map((s) => ({ target: `${canonical}/${s}`, note: 'hostile suffix' })) },
    { weight: 1, arbitrary: hostileSegment.map((s) => ({ target: `/functions/v1/${s}${action ? `/${action}` : ''}`, note: 'hostile name' })) },
    { weight: 2, arbitrary: fc.constantFrom(
      `${canonical}/..`, `${canonical}/../${name}`, `${canonical}/%2e%2e/%2e%2e/storage/v1/object/list/x`, `/functions/v1/${name}/../../../storage/v1/bucket`,
      `/functions/v1/%2e%2e/${name}`, `/functions/v1/${name}/%2E.`, `/functions/v1/${name}\\..\\..\\health`, `/functions/v1/..%2f${name}`,
      `/functions/v1/./${name}`, `/functions/v1/${name}/.%2e/`, `/functions/v1/..`, `/functions/v1/${name}%00${action ? `/${action}` : ''}`,
      `/functions/v1/${name.toUpperCase()}`, `/functions/v1/${name}%2f${action}`, `/functions/v1/${name}%ed%a0%80`, `/functions/v1/${encodeSegment(name + '\u0000')}`,
    ).map((target) => ({ target, note: 'dot segments / escapes' })) },
  );
}

/** A request to a function route: the route's methods mostly, odd ones sometimes. */
export function functionRequest(ctx: FuzzContext, name: string, action: string, methods: string[], bodyArb?: fc.Arbitrary<Body>): fc.Arbitrary<FuzzRequest> {
  return assemble(ctx, {
    method: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...methods) }, { weight: 2, arbitrary: oddMethod }),
    target: functionTarget(name, action),
    body: bodyArb,
  });
}

/**
 * Storage requests for the fuzz suite: bucket segments (the fuzz bucket, the raw-response bucket,
 * unknown, hostile), object paths (fixtures, the users' folders with hostile segments, dot
 * segments in every encoding that would land on a fixture if normalised, NUL, lone surrogates,
 * overlong keys), and the storage route specifics: x-metadata, multipart bodies.
 */
import fc from 'fast-check';
import type { FuzzContext, RouteSpec } from './fuzz.ts';
import type { FuzzRequest, FuzzResponse } from './fuzz-http.ts';
import { assemble, type Body, oddMethod } from './fuzz-requests.ts';
import { restoreObjects } from './fuzz-fixture.ts';
import { encodeSegment, hasDotSegment, hostileSegment, hostileString, hostileValue, type Json, toJson } from './fuzz-values.ts';

const enc = (name: string) => name.split('/').map(encodeSegment).join('/');

export function bucketSegment(ctx: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof({ weight: 10, arbitrary: fc.constant(ctx.world.bucket!) }, { weight: 2, arbitrary: fc.constant('conversation-files') },
    { weight: 1, arbitrary: fc.constantFrom('no-such-bucket', `${ctx.world.bucket}%00`, '%zz', '%ED%A0%80', '..', '%2e%2e', '') },
    { weight: 2, arbitrary: hostileSegment });
}

export function objectPath(ctx: FuzzContext): fc.Arbitrary<string> {
  const { owner, member } = ctx.world.users;
  const fixtures = ctx.world.objects;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fixtures).map(enc) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(owner, member, `raw/${owner}`), fc.array(hostileSegment, { minLength: 1, maxLength: 3 }))
      .map(([u, segs]) => [u, ...segs].join('/')) },
    { weight: 3, arbitrary: fc.constantFrom(
      `${owner}/dir/%2e%2e/a.txt`, `${owner}/dir/../a.txt`, `${owner}/dir/%2E./a.txt`, `${owner}/dir/.%2e/a.txt`, `${owner}/./a.txt`, `${owner}/%2e/a.txt`,
      `${member}/%2e%2e/${owner}/a.txt`, `${member}/..%2f${owner}/a.txt`, `${owner}\\dir\\..\\a.txt`, `${member}\\..\\${owner}\\a.txt`,
      `${owner}/dir/..%5ca.txt`, `${owner}/dir%2f..%2fa.txt`, `x/../${owner}/a.txt`, `../${ctx.world.bucket}/${owner}/a.txt`, `${owner}/dir//b.json`, `${owner}/a.txt/`,
    ) },
    { weight: 2, arbitrary: fc.constantFrom(`${owner}/a%00.txt`, `${owner}/%00`, `${owner}/a%ED%A0%80.txt`, `${owner}/%ff.txt`, `${owner}/%zz`, `${owner}/%`,
      `${owner}/${'a'.repeat(1100)}`, `${owner}/${'%C3%A9'.repeat(600)}`, '', '%2f', `${encodeSegment(owner + '\u0000')}/a.txt`) },
    { weight: 1, arbitrary: hostileSegment },
  );
}

/** x-metadata values: base64 JSON with NUL, lone surrogates, deep nesting, huge numbers; not base64; not JSON. */
export const xMetadata: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileValue.map((v) => Buffer.from(toJson(v)).toString('base64')) },
  { weight: 1, arbitrary: fc.constantFrom('{"a":1}', '!!!', '', 'e30', Buffer.from('not json').toString('base64'),
    Buffer.from('{"a":"\\u0000"}').toString('base64'), Buffer.from(`${'['.repeat(3000)}${']'.repeat(3000)}`).toString('base64')) },
);

const uploadHeaders = fc.tuple(
  fc.option(fc.oneof(fc.constantFrom('true', 'false'), hostileString), { nil: undefined }),
  fc.option(xMetadata, { nil: undefined }),
  fc.option(fc.oneof(fc.constant('3600'), hostileString), { nil: undefined }),
).map(([upsert, meta, cache]) => [
  ...(upsert === undefined ? [] : [['x-upsert', upsert]]), ...(meta === undefined ? [] : [['x-metadata', meta]]),
  ...(cache === undefined ? [] : [['cache-control', cache]]),
] as [string, string][]);

export const uploadContentType = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('text/plain', 'application/json', 'image/png') },
  { weight: 1, arbitrary: fc.constantFrom('', 'application/x-msdownload', 'text/plain; charset=\u00e9', 'TEXT/PLAIN', 'image/', 'image/*', 'text/html') },
  { weight: 1, arbitrary: hostileString });

/** Object bytes: a few bytes, nothing, JSON, random bytes, over the bucket's 1 MiB limit. */
export const objectBytes: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('hello', '{"a":1}', '\u0000\ud800').map((t) => ({ bytes: Buffer.from(t), note: 'small' })) },
  { weight: 1, arbitrary: fc.constant({ bytes: new Uint8Array(), note: 'empty' }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ bytes, note: 'random bytes' })) },
  { weight: 1, arbitrary: fc.constantFrom(1024 * 1024 + 1, 3 * 1024 * 1024).map((n) => ({ bytes: new Uint8Array(n).fill(97), note: `oversized ${n}` })) },
);

/** multipart/form-data as storage-js sends it, and broken: no file part, no closing delimiter, hostile fields. */
export const multipart: fc.Arbitrary<{ body: Body; type: string }> = fc.tuple(
  fc.oneof({ weight: 4, arbitrary: fc.constant('----fuzzboundary') }, { weight: 1, arbitrary: fc.constantFrom('', '"quoted"', 'a;b', '\u00e9', '-'.repeat(80)) }),
  fc.oneof({ weight: 4, arbitrary: fc.constant('') }, fc.constantFrom('file', 'cacheControl', '\u0000')),
  fc.oneof({ weight: 3, arbitrary: fc.constant('blob') }, hostileString),
  fc.option(fc.oneof(hostileValue.map(toJson), hostileString), { nil: undefined }),
  fc.option(fc.oneof(fc.constant('3600'), hostileString), { nil: undefined }),
  fc.option(uploadContentType, { nil: undefined }),
  objectBytes,
  fc.constantFrom('well-formed', 'well-formed', 'well-formed', 'no closing delimiter', 'no file part', 'no part headers', 'boundary mismatch'),
).map(([boundary, fieldName, filename, metadata, cache, type, bytes, shape]) => {
  const b = boundary === '"quoted"' ? 'quoted' : boundary;
  const field = (name: string, value: string) => `--${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = [cache === undefined ? '' : field('cacheControl', cache), metadata === undefined ? '' : field('metadata', metadata)].join('');
  const file = shape === 'no file part' ? ''
    : shape === 'no part headers' ? `--${b}\r\n\r\n`
      : `--${b}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${filename}"\r\nContent-Type: ${type ?? 'text/plain'}\r\n\r\n`;
  const tail = shape === 'no closing delimiter' ? '' : `\r\n--${shape === 'boundary mismatch' ? 'other' : b}--\r\n`;
  const bytesPart = shape === 'no file part' ? new Uint8Array() : bytes.bytes;
  return {
    body: { bytes: Buffer.concat([Buffer.from(head + file), Buffer.from(bytesPart), Buffer.from(tail)]), note: `multipart ${shape}, ${bytes.note}` },
    type: `multipart/form-data; boundary=${boundary}`,
  };
});

export interface StorageParts {
  methods: string[];
  /** What follows /storage/v1/object/ before the bucket: '', 'list/', 'sign/', 'info/', 'authenticated/', ... */
  prefixes: string[];
  path: 'object' | 'none';
  body?: fc.Arbitrary<Body>;
  contentType?: fc.Arbitrary<string>;
  headers?: fc.Arbitrary<[string, string][]>;
  query?: fc.Arbitrary<string>;
}

export function storageRequest(ctx: FuzzContext, p: StorageParts): fc.Arbitrary<FuzzRequest> {
  const target = fc.tuple(fc.constantFrom(...p.prefixes), bucketSegment(ctx), p.path === 'object' ? objectPath(ctx) : fc.constant(null), p.query ?? fc.constant(''))
    .map(([prefix, bucket, path, query]) => ({
      target: `/storage/v1/object/${prefix}${bucket}${path === null ? '' : `/${path}`}${query}`,
      note: `${prefix || 'object/'}${bucket === ctx.world.bucket ? '<fuzz bucket>' : 'bucket?'}`,
    }));
  return assemble(ctx, {
    method: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...p.methods) }, { weight: 1, arbitrary: oddMethod }),
    target, body: p.body, contentType: p.contentType ?? fc.constantFrom('application/json', 'application/json', ''), headers: p.headers, validAuthWeight: 4,
  });
}

/** Dot segments are refused, never resolved into another object (or route) that then answers 2xx. */
export function noNormalisedDotSegments(req: FuzzRequest, res: FuzzResponse): string[] {
  return req.method !== 'OPTIONS' && res.status >= 200 && res.status < 300 && hasDotSegment(req.target)
    ? [`dot segments: answered ${res.status} for a key with a dot segment (resolved to another key instead of refused)`] : [];
}

/** Spec defaults for storage routes: shape family, dot-segment check, fixtures restored after any 2xx. */
export function storageRoute(name: string, request: (ctx: FuzzContext) => fc.Arbitrary<FuzzRequest>, extra: Partial<RouteSpec> = {}): RouteSpec {
  return {
    name, family: 'storage', request, check: noNormalisedDotSegments,
    onSuccess: async (req, res, ctx) => {
      if (['POST', 'PUT'].includes(req.method)) {
        try { const id = JSON.parse(res.body.toString('utf8')).Id; if (typeof id === 'string') ctx.world.objectIds.push(id); } catch { /* not an upload answer */ }
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') await restoreObjects(ctx.world);
    },
    ...extra,
  };
}

export const jsonOf = (v: Json) => Buffer.from(toJson(v));
export { uploadHeaders };

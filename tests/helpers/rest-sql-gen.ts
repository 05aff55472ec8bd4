/**
 * Requests for the statement property (tests/fuzz/rest-sql.test.ts) that mostly reach the SQL
 * builders: built from the schema cache (real tables, views, columns, embeds and functions with
 * their argument names), with every operator, logic trees, casts, JSON paths, order, ranges,
 * Prefer and bodies, and hostile values (quotes, placeholders, SQL, NUL-free unicode) wherever a
 * value goes; mixed with the endpoint fuzz test's fully hostile requests.
 */
import fc from 'fast-check';
import type { SchemaCache } from '../../scripts/local/gateway/rest/schema.ts';
import { hostileString } from './fuzz-values.ts';
import { queryString, restBody, restHeaders, TABLES } from './rest-fuzz.ts';

export interface SqlRequest { method: string; path: string; query: string; headers: Headers; body: string }

const SQLISH = ["'; drop table public.tenants; --", '$1', '$2::text', '"quoted"', "O'Brien", '\\', '1); select pg_sleep(1); --', 'null', 'true', '{a,b}',
  '[1,2)', '{"a":[1,{"b":null}]}', '2026-01-01', '00000000-0000-4000-8000-000000000000', '*wild*', 'a,b', 'x.y', 'x:y', '(1)', 'ünïcødé ✓', ' spaced '];
const value = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...SQLISH) }, { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 1, arbitrary: fc.integer().map(String) }, { weight: 1, arbitrary: hostileString.map((s) => s.replace(/\0/g, '')) });
const OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'isdistinct', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj',
  'fts', 'plfts', 'phfts', 'wfts', 'fts(english)', 'eq(any)', 'like(all)'];
/** A value inside or=(…): quoted, with PostgREST's backslash escapes. */
const quoted = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const opValue = (inTree: boolean) => fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.boolean(), fc.constantFrom(...OPS), value).map(([not, op, v]) => `${not ? 'not.' : ''}${op}.${inTree ? quoted(v) : v}`) },
  { weight: 1, arbitrary: fc.array(value, { maxLength: 3 }).map((vs) => `in.(${vs.map(quoted).join(',')})`) },
  { weight: 1, arbitrary: fc.constantFrom('is.null', 'not.is.null', 'is.true', 'is.unknown', 'is.not_null') },
);
/** Percent-encoding of the UTF-8 bytes (a lone surrogate becomes U+FFFD, as a browser sends it). */
const pct = (s: string) => Array.from(new TextEncoder().encode(s), (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const enc = (pairs: [string, string][]) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');

export function tableRequest(cache: SchemaCache): fc.Arbitrary<SqlRequest> {
  const tables = [...cache.tables.values()].filter((t) => t.schema === 'public' && t.columns.size);
  return fc.constantFrom(...tables).chain((t) => {
    const col = fc.constantFrom(...t.columns.keys());
    const field = fc.tuple(col, fc.option(fc.tuple(fc.constantFrom('->', '->>'), fc.oneof(fc.constantFrom('a', '0', 'model'), value.map((v) => v.replace(/[-:.,>()"]/g, ''))))))
      .map(([c, p]) => (p && p[1] ? `${c}${p[0]}${p[1]}` : c));
    const embeds = [...new Set((cache.relationships.get(`public.${t.name}`) ?? []).map((r) => r.foreignTable))];
    const item = fc.oneof(
      { weight: 4, arbitrary: field },
      { weight: 1, arbitrary: fc.tuple(value.map((v) => v.replace(/[^A-Za-z_]/g, '') || 'a'), col).map(([a, c]) => `${a}:${c}`) },
      { weight: 1, arbitrary: fc.tuple(col, fc.constantFrom('text', 'int', 'jsonb', 'uuid')).map(([c, ty]) => `${c}::${ty}`) },
      { weight: embeds.length ? 2 : 0, arbitrary: fc.tuple(fc.constantFrom('', 'e:', '...'), fc.constantFrom(...(embeds.length ? embeds : ['x'])), fc.constantFrom('', '!inner'))
        .map(([pre, e, j]) => `${pre}${e}${j}(*)`) },
    );
    const param = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(field, opValue(false)) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom('or', 'and', 'not.or'), fc.array(fc.tuple(col, opValue(true)), { minLength: 1, maxLength: 3 })
        .map((ps) => `(${ps.map(([c, v]) => `${c}.${v}`).join(',')})`)) },
      { weight: 2, arbitrary: fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => ['select', items.join(',')] as [string, string]) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('order'), fc.tuple(field, fc.constantFrom('', '.desc', '.asc.nullslast')).map(([f, d]) => `${f}${d}`)) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('limit', 'offset'), fc.nat(5000).map(String)) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('columns', 'on_conflict'), fc.array(col, { minLength: 1, maxLength: 3 }).map((cs) => cs.join(','))) },
    ) as fc.Arbitrary<[string, string]>;
    const row = fc.dictionary(col, fc.oneof(value, fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(value, value, { maxKeys: 2 })), { minKeys: 1, maxKeys: 4 });
    return fc.record({
      method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'PATCH', 'DELETE'),
      params: fc.array(param, { maxLength: 5 }),
      body: fc.oneof(row.map((r) => JSON.stringify(r)), fc.array(row, { minLength: 1, maxLength: 3 }).map((rs) => JSON.stringify(rs))),
      prefer: fc.constantFrom('', 'return=representation', 'return=headers-only', 'count=exact', 'resolution=merge-duplicates, return=representation',
        'resolution=ignore-duplicates', 'missing=default, return=representation', 'return=representation, count=exact'),
      accept: fc.constantFrom('application/json', 'application/vnd.pgrst.object+json', '*/*'),
    }).map((r) => ({ method: r.method, path: `/${t.name}`, query: enc(r.params), body: r.body,
      headers: new Headers({ 'content-type': 'application/json', accept: r.accept, ...(r.prefer ? { prefer: r.prefer } : {}) }) }));
  });
}

/** Calls of the exposed functions with their argument names (by POST or GET unless `methods` says otherwise). */
export function rpcRequest(cache: SchemaCache, methods = ['POST', 'GET']): fc.Arbitrary<SqlRequest> {
  const fns = [...cache.functions.values()].flat().filter((f) => f.schema === 'public' && f.callable);
  return fc.constantFrom(...fns).chain((f) => {
    const args = fc.record(Object.fromEntries(f.args.map((a) => [a.name, fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.integer())])), { requiredKeys: [] });
    return fc.tuple(args, fc.constantFrom(...methods), fc.constantFrom('', 'select=*', 'limit=1', 'order=1')).map(([a, method, extra]) => {
      const query = method === 'GET' ? [enc(Object.entries(a).map(([k, v]) => [k, Array.isArray(v) ? `{${v.join(',')}}` : String(v)])), extra].filter(Boolean).join('&') : extra;
      return { method, path: `/rpc/${f.name}`, query, body: JSON.stringify(a), headers: new Headers({ 'content-type': 'application/json' }) };
    });
  });
}

/** The endpoint fuzz test's requests, as the statement property takes them. */
export const hostileRequest: fc.Arbitrary<SqlRequest> = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'PUT'), table: fc.constantFrom(...TABLES), query: queryString, headers: restHeaders, body: restBody,
}).map((r) => {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (r.headers.prefer) headers.set('prefer', r.headers.prefer);
  if (r.headers.accept) headers.set('accept', r.headers.accept);
  if (r.headers.profile !== undefined) headers.set(r.method === 'GET' || r.method === 'HEAD' ? 'accept-profile' : 'content-profile', r.headers.profile);
  if (r.headers.range) headers.set('range', r.headers.range);
  return { method: r.method, path: `/${r.table}`, query: r.query, headers, body: r.body };
});

export const sqlRequest = (cache: SchemaCache): fc.Arbitrary<SqlRequest> =>
  fc.oneof({ weight: 5, arbitrary: tableRequest(cache) }, { weight: 2, arbitrary: rpcRequest(cache) }, { weight: 2, arbitrary: hostileRequest });

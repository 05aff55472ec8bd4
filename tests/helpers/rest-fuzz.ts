/**
 * Generators for the Data API fuzz test: query strings built from the PostgREST grammar's pieces
 * (columns, operators, logic trees, embeds, order, ranges) mixed with hostile text, bodies of
 * hostile JSON, and the Prefer / Accept / profile headers postgrest-js sends; plus the database
 * fingerprint of the fuzz world's rows, so a refused request is seen to have written nothing.
 */
import fc from 'fast-check';
import { connect, superuserUrl } from './db.ts';
import type { FuzzWorld } from './fuzz-fixture.ts';
import { hostileString, hostileValue, toJson } from './fuzz-values.ts';

export const TABLES = ['conversations', 'messages', 'feedback', 'current_day_usage', 'users', 'nope', 'rpc/get_monthly_usage_summary', 'rpc/get_message_feedback_summary', 'rpc/create_tenant', 'rpc/nope'];
const COLUMNS = ['id', 'title', 'tenant_id', 'user_id', 'role', 'content', 'metadata', 'is_archived', 'created_at', 'rating', 'nope', '"id"', 'metadata->>a', 'metadata->0', '*'];
const OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'in', 'is', 'isdistinct', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj', 'fts', 'plfts', 'wfts', 'phfts', 'eq(any)', 'like(all)', 'fts(english)', 'bogus'];
const VALUES = ['1', 'true', 'null', 'not_null', '(1,2)', '()', '{a,b}', '{}', '[1,2]', '"quoted,value"', '2026-01-01', '00000000-0000-4000-8000-000000000000', 'x*y', '{"a":1}', '', '-1', '1e400', 'infinity'];

const pick = <T>(xs: T[]) => fc.constantFrom(...xs);
const value = fc.oneof({ weight: 3, arbitrary: pick(VALUES) }, { weight: 1, arbitrary: hostileString });
const filter = fc.tuple(fc.boolean(), pick(OPS), value).map(([not, op, v]) => `${not ? 'not.' : ''}${op}.${v}`);

const logic: fc.Arbitrary<string> = fc.letrec<{ tree: string }>((tie) => ({
  tree: fc.tuple(pick(['or', 'and', 'not.or']), fc.array(fc.oneof(
    { weight: 3, arbitrary: fc.tuple(pick(COLUMNS), filter).map(([c, f]) => `${c}.${f}`) },
    { weight: 1, arbitrary: fc.constant('x') },
    { weight: 1, depthSize: 'small', arbitrary: tie('tree') },
  ), { maxLength: 3 })).map(([op, parts]) => `${op}(${parts.join(',')})`),
})).tree;

const selectItem: fc.Arbitrary<string> = fc.letrec<{ item: string }>((tie) => ({
  item: fc.oneof(
    { weight: 4, arbitrary: pick(COLUMNS) },
    { weight: 1, arbitrary: fc.tuple(pick(['a', 'b']), pick(COLUMNS)).map(([a, c]) => `${a}:${c}`) },
    { weight: 1, arbitrary: fc.tuple(pick(COLUMNS), pick(['text', 'int', 'jsonb', 'nope', 'text;drop'])).map(([c, t]) => `${c}::${t}`) },
    { weight: 1, depthSize: 'small', arbitrary: fc.tuple(pick(['messages', 'conversations', 'feedback', 'users', 'tenants', 'nope', '...conversations']), pick(['', '!inner', '!messages_conversation_fkey', '!x!y']), fc.array(tie('item'), { maxLength: 3 }))
      .map(([rel, hint, items]) => `${rel}${hint}(${items.join(',')})`) },
  ),
})).item;

const param = fc.oneof(
  { weight: 3, arbitrary: fc.array(selectItem, { minLength: 1, maxLength: 4 }).map((items) => ['select', items.join(',')]) },
  { weight: 3, arbitrary: fc.tuple(pick(COLUMNS), filter) },
  { weight: 1, arbitrary: fc.tuple(pick(['messages.role', 'messages.nope', 'x.y.z']), filter) },
  { weight: 2, arbitrary: fc.tuple(pick(['or', 'and', 'not.and', 'messages.or']), logic.map((t) => t.replace(/^(not\.)?(or|and)/, ''))) },
  { weight: 1, arbitrary: fc.tuple(pick(['order', 'messages.order']), fc.tuple(pick(COLUMNS), pick(['', '.asc', '.desc.nullslast', '.nullsfirst', '.x'])).map(([c, d]) => `${c}${d}`)) },
  { weight: 1, arbitrary: fc.tuple(pick(['limit', 'offset', 'messages.limit']), pick(['0', '1', '-1', 'x', '99999999999999999999', '2'])) },
  { weight: 1, arbitrary: fc.tuple(pick(['columns', 'on_conflict', 'p_from', 'p_to', 'p_message_ids']), value) },
  { weight: 1, arbitrary: fc.tuple(hostileString, hostileString) },
) as fc.Arbitrary<[string, string]>;

/** Percent-encoding of the UTF-8 bytes (a lone surrogate becomes U+FFFD, as a browser sends it). */
const enc = (s: string) => Array.from(new TextEncoder().encode(s), (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
export const queryString = fc.array(param, { maxLength: 5 }).map((ps) => ps.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&'))
  // URLs past a few KB are refused by the HTTP server in front (as Kong would), before any service.
  .filter((q) => q.length < 6000);

export const restHeaders = fc.record({
  prefer: fc.option(fc.array(pick(['return=representation', 'return=minimal', 'return=headers-only', 'count=exact', 'count=planned', 'resolution=merge-duplicates',
    'resolution=ignore-duplicates', 'missing=default', 'handling=strict', 'tx=rollback', 'max-affected=1', 'bogus']), { maxLength: 3 }).map((p) => p.join(', ')), { nil: undefined }),
  accept: fc.option(pick(['application/json', 'application/vnd.pgrst.object+json', 'text/csv', '*/*', 'application/geo+json', 'application/vnd.pgrst.plan+json; for="application/json"', 'x/y']), { nil: undefined }),
  profile: fc.option(pick(['public', 'graphql_public', 'private', 'auth', '']), { nil: undefined }),
  range: fc.option(pick(['0-1', '5-2', '0-', 'x']), { nil: undefined }),
});

export const restBody = fc.oneof(
  { weight: 3, arbitrary: fc.dictionary(pick(COLUMNS.concat(['conversation_id', 'message_id', 'p_name', 'p_slug'])), hostileValue, { maxKeys: 4 }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.array(fc.dictionary(pick(['title', 'content', 'role', 'nope']), hostileValue, { maxKeys: 3 }), { maxLength: 3 }).map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: hostileValue.map(toJson) },
  { weight: 1, arbitrary: pick(['', '{', 'null', '[]', '[1]', '"x"', '{"title":"\\u0000"}']) },
);

/** A digest of the fuzz world's conversations, messages and feedback. */
export async function restFingerprint(world: FuzzWorld): Promise<string> {
  const [row] = await connect(superuserUrl())`
    select md5(coalesce((select string_agg(c::text, '|' order by c.id) from public.conversations c where c.tenant_id = any(${world.tenants})), '')
      || coalesce((select string_agg(m::text, '|' order by m.id) from public.messages m where m.tenant_id = any(${world.tenants})), '')
      || coalesce((select string_agg(f::text, '|' order by f.id) from public.feedback f where f.tenant_id = any(${world.tenants})), '')
      || coalesce((select string_agg(t::text, '|' order by t.id) from public.tenants t where t.slug like ${`${world.tag}%`}), '')) as digest`;
  return row.digest;
}

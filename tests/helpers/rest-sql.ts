/**
 * The Data API stand-in's statements without a database: a request is read by the gateway's own
 * request.ts (prepare, parseBody) and run against a recording transaction that answers every
 * statement with an empty result, so each statement the builders produce can be inspected. A
 * statement is in the parameterised form when, once its quoted identifiers (each a name from the
 * schema cache or an output key the request's select names), the catalog's column defaults and
 * its $n placeholders are taken out, only the builders' own SQL words, generated aliases and
 * punctuation remain; and no value of the request appears in what remains.
 */
import type { Outcome } from '../../scripts/local/gateway/rest/execute.ts';
import { PgrstError } from '../../scripts/local/gateway/rest/errors.ts';
import type { SelectItem } from '../../scripts/local/gateway/rest/grammar.ts';
import { hasBody, parseBody, prepare, run } from '../../scripts/local/gateway/rest/request.ts';
import type { SchemaCache } from '../../scripts/local/gateway/rest/schema.ts';

export interface Statement { sql: string; params: unknown[] }

/** Runs one request through the gateway's code with a recording transaction: its statements, or the PostgREST error it answers. */
export async function statementsOf(cache: SchemaCache, req: { method: string; path: string; query: string; headers: Headers; body: string }):
  Promise<{ statements: Statement[]; error?: PgrstError; outcome?: Outcome; select?: SelectItem[] }> {
  const statements: Statement[] = [];
  const answer = () => Object.assign([{ body: '[]', n: '0', total: '0', inserted: '0' }], { count: 0 });
  const tx = Object.assign((strings: TemplateStringsArray, ...values: unknown[]) => {
    statements.push({ sql: strings.join('$?'), params: values });
    return Promise.resolve(answer());
  }, { unsafe: (sql: string, params: unknown[] = []) => { statements.push({ sql, params }); return Promise.resolve(answer()); } });
  let select: SelectItem[] | undefined;
  try {
    const prepared = prepare(cache, { method: req.method, path: req.path, search: new URLSearchParams(req.query), headers: req.headers });
    select = prepared.plan.query.select;
    if (hasBody(req.method)) prepared.plan.body = parseBody(req.headers.get('content-type'), req.body, prepared.isRpc);
    const outcome = await run(tx as never, cache, prepared, 1000);
    return { statements, outcome, select };
  } catch (err) {
    if (err instanceof PgrstError) return { statements, error: err, select };
    throw err;
  }
}

/** The SQL words the builders write themselves (functions, keywords, fixed output names). */
const WORDS = new Set(`select as from left join lateral on true false where and or not is null limit offset order by asc desc nulls first last
  coalesce json_agg row_to_json json jsonb any all distinct like ilike to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery
  regconfig text int bigint count with insert into update set delete returning json_populate_recordset json_populate_record json_array_elements
  ordinality cross case when then else end conflict do nothing excluded xmax json_to_record variadic unknown transaction read only to_json
  body n total inserted r c e j`.split(/\s+/).filter(Boolean));
const ALIAS = /^(t\d+(_[a-z])?|pgrst_[a-z_]+)$/;

/** Every name of the cache a statement may quote. */
export function cacheNames(cache: SchemaCache): Set<string> {
  const names = new Set<string>([...cache.schemas, 'pg_catalog', 'extensions']);
  for (const t of cache.tables.values()) { names.add(t.name); for (const c of t.columns.keys()) names.add(c); }
  for (const rels of cache.relationships.values()) for (const r of rels) if (r.junction) names.add(r.junction.table);
  for (const fns of cache.functions.values()) for (const f of fns) { names.add(f.name); f.args.forEach((a) => names.add(a.name)); f.outColumns.forEach((c) => names.add(c.name)); }
  for (const [type, schema] of cache.types) { names.add(type); names.add(schema); }
  return names;
}

/** The output keys a select names (aliases, JSON path keys, embeds), which become quoted column names as in PostgREST. */
export function outputKeys(select: SelectItem[] = []): Set<string> {
  const keys = new Set<string>();
  for (const item of select) {
    if (item.type === 'column') { if (item.alias) keys.add(item.alias); for (const s of item.field.path) keys.add(s.key); }
    if (item.type === 'embed') { keys.add(item.name); if (item.alias) keys.add(item.alias); for (const k of outputKeys(item.select)) keys.add(k); }
  }
  return keys;
}

/** Text the catalog supplies: column defaults (written by missing=default) and function argument types (json_to_record's column list). */
export function catalogTexts(cache: SchemaCache): { defaults: string[]; argTypes: string[] } {
  const byLength = (xs: string[]) => [...new Set(xs)].sort((a, b) => b.length - a.length);
  return {
    defaults: byLength([...cache.tables.values()].flatMap((t) => [...t.columns.values()].flatMap((c) => (c.default ? [c.default] : [])))),
    argTypes: byLength([...cache.functions.values()].flat().flatMap((f) => f.args.map((a) => a.type))),
  };
}

/** The statement without what the catalog supplied: `else <default> end`, `"arg" <type>` in pgrst_args(…). */
function withoutCatalog(sql: string, catalog: { defaults: string[]; argTypes: string[] }): string {
  let out = sql;
  for (const d of catalog.defaults) out = out.split(` else ${d} end`).join(' else end');
  for (const t of catalog.argTypes) for (const end of [',', ')']) out = out.split(`" ${t}${end}`).join(`" ${end}`);
  return out;
}

/** What is wrong with a statement's form (nothing when it is the parameterised form). */
export function formProblems(st: Statement, names: Set<string>, keys: Set<string>, catalog: { defaults: string[]; argTypes: string[] }): string[] {
  const problems: string[] = [];
  let rest = withoutCatalog(st.sql, catalog);
  rest = rest.replace(/"((?:[^"]|"")*)"/g, (_, quoted: string) => {
    const name = quoted.replace(/""/g, '"');
    if (!names.has(name) && !keys.has(name)) problems.push(`identifier not from the cache nor an output key: ${JSON.stringify(name)}`);
    return ' ';
  });
  const max = Math.max(0, ...[...rest.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  if (max > st.params.length) problems.push(`placeholder $${max} but ${st.params.length} parameters`);
  // Placeholders, and the builders' own constants: '[]', ->0 (the first row), 1 (select 1, limit 1).
  rest = rest.replace(/\$\d+|\$\?/g, ' ').replace(/'\[\]'/g, ' ').replace(/(?<![\w$])[01](?!\w)/g, ' ');
  for (const word of rest.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
    if (!WORDS.has(word) && !ALIAS.test(word)) problems.push(`word not written by the builders: ${JSON.stringify(word)}`);
  }
  const other = rest.replace(/[A-Za-z_][A-Za-z0-9_]*/g, ' ').replace(/[\s(),.:=<>~*@&|?\-!]/g, '');
  if (other) problems.push(`characters outside identifiers and placeholders: ${JSON.stringify(other.slice(0, 40))}`);
  return problems;
}

/** The request's values (decoded query values, their parts, the body's leaves) long enough to recognise. */
export function requestValues(query: string, body: string): string[] {
  const out: string[] = [];
  const add = (v: string) => { for (const part of [v, ...v.split(/[\s,().:{}"!*\\[\]]+/)]) if (part.length >= 4) out.push(part); };
  for (const [, v] of new URLSearchParams(query)) add(v);
  const walk = (x: unknown): void => {
    if (typeof x === 'string') add(x);
    else if (typeof x === 'number') add(String(x));
    else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) { add(k); walk(v); }
  };
  try { walk(JSON.parse(body)); } catch { /* not JSON: refused before any statement */ }
  return out;
}

/** Text made only of what the builders write themselves (so finding it in a statement proves nothing). */
function builderText(v: string): boolean {
  return v.split(/([A-Za-z_][A-Za-z0-9_]*)/).every((part, i) => (i % 2 ? WORDS.has(part) || ALIAS.test(part) : /^[\s(),.:=<>~*@&|?\-!$\d']*$/.test(part)));
}

/** Whether text holds v other than inside one of the builders' own words (`source` in pgrst_source). */
function holds(text: string, v: string): boolean {
  for (let i = text.indexOf(v); i >= 0; i = text.indexOf(v, i + 1)) {
    let a = i;
    let b = i + v.length;
    while (a > 0 && /\w/.test(text[a - 1])) a--;
    while (b < text.length && /\w/.test(text[b])) b++;
    const word = text.slice(a, b);
    if (!(/^\w+$/.test(v) && (WORDS.has(word) || ALIAS.test(word)))) return true;
  }
  return false;
}

/** A value of the request the statement's text contains (quoted identifiers and catalog texts removed). */
export function leakedValue(st: Statement, values: string[], catalog: { defaults: string[]; argTypes: string[] }): string | undefined {
  const text = withoutCatalog(st.sql, catalog).replace(/"((?:[^"]|"")*)"/g, ' ');
  return values.find((v) => !builderText(v) && holds(text, v));
}

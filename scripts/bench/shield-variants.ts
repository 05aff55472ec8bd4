/**
 * The variants of atomic_update_user_behavior that the shield bench measures against the ceiling
 * (issue 20), created in the scratch schema `bench` of the throwaway bench database, never by a
 * migration. Each variant has its own copy of the two moderation tables and its own functions, so
 * every one starts from the same state; each differs from "before" (the RPC as 20261201110200 left
 * it, on the tables as they were then) in one thing only, and "kept" is what 20261201160000 made
 * of it; "(j)" is kept with the platform a moderation_platform argument (20261201170000; until
 * then the body cast a text platform itself). "before", "kept" and "(j)" run the real function
 * texts (the statements of 20261201110200 and 20261201160000, and
 * supabase/schema/functions/private.record_user_behavior_violation.sql) on bench copies of the
 * tables; every public wrapper takes the platform as the enum, as the RPC does now. The other variants are generated from a template whose base behaves as "before"
 * (tests/db/user-behavior-variants.test.ts checks that every variant records and refuses exactly
 * what the RPC does).
 *
 * The SQL is generated from one template so that a variant is exactly its one change:
 *   tables      'checks'  the CHECK constraints of 20261121160000/20261121210000, re-parsed for
 *                         every statement that writes the table;
 *               'domains' the one-column rules as domains (checked from the session's type
 *                         cache, and only for the columns a statement assigns), one CHECK left per
 *                         table (the rules that span columns; the number of action tags);
 *   counts      'jsonb'   severity_counts, a jsonb column (domain public.severity_counts);
 *               'columns' four integer columns; the RPC still returns the jsonb object;
 *   trigger     'always'  the updated_at trigger fires on every update;
 *               'when'    it fires only when the statement leaves updated_at unchanged;
 *   validation  'statements' one PL/pgSQL IF per rule;
 *               'expression' one expression decides that a call is valid; only a call it refuses
 *                         goes through the per-rule statements, which raise the error;
 *   ring        'cte'     the ring slot is written by the upsert's statement (a data-modifying CTE);
 *               'statement' by a second statement after it;
 *   result      'row'     the upsert returns the row into a record variable, the result is built
 *                         from it (and a blocking update returns the row again);
 *               'returning' the upsert's RETURNING builds the result; blocking patches it;
 *   write       'upsert'  one INSERT ... ON CONFLICT DO UPDATE per table, the caller check in its
 *                         WHERE (as 20261121210000 made it);
 *               'update-first' a plain UPDATE of the record, then of the ring slot once the ring
 *                         is full; INSERT ... ON CONFLICT only for an account's first violation
 *                         or a slot not written yet; a member's membership checked by its own
 *                         statement before any write, the tenant only when the record is new
 *                         (ring and result as 'statement' and 'row');
 *   wrapper     'plpgsql' the public function is PL/pgSQL with a pinned search_path;
 *               'sql'     a SQL function without `set search_path` (inlined into the caller).
 */


import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/stack-config.ts';
import { recordSql } from './shield-variant-record.ts';
import { CEILING_SQL, DOMAINS_SQL, type Part, tablesSql, type VariantShape } from './shield-variant-tables.ts';

export { CEILING_SQL, type Part, type VariantShape };

export interface ShieldVariant {
  key: string;
  label: string;
  /** The function the bench calls with the RPC's five arguments. */
  fn: string;
  /** Its record table (for the distinct-accounts fixture), absent for the plain floor. */
  behaviors?: string;
  /** It is the whole RPC (the floors are not): same results and refusals. */
  whole: boolean;
}

const BEFORE: VariantShape = {
  tables: 'checks', counts: 'jsonb', trigger: 'always', validation: 'statements', ring: 'cte', result: 'row', write: 'upsert', wrapper: 'plpgsql',
};
/** What 20261201160000 keeps (see docs/performance.md for the figures behind each choice). */
export const KEPT: VariantShape = {
  tables: 'domains', counts: 'jsonb', trigger: 'always', validation: 'statements', ring: 'statement', result: 'row', write: 'update-first', wrapper: 'plpgsql',
};

/** `source`: the variant runs that function text (on its bench tables) instead of the template's. */
const MATRIX: { key: string; label: string; shape: VariantShape; source?: () => string; platformEnum?: boolean }[] = [
  { key: 'before', label: '(a) before: 20261201110200 as it was', shape: BEFORE, source: () => definitionIn('migrations/20261201110200_extract_user_behavior_rules.sql') },
  { key: 'b_columns', label: '(b) severity counts as integer columns', shape: { ...BEFORE, counts: 'columns' } },
  { key: 'c_expression', label: '(c) validation in one expression', shape: { ...BEFORE, validation: 'expression' } },
  { key: 'd_statement', label: '(d) ring slot in a second statement', shape: { ...BEFORE, ring: 'statement' } },
  { key: 'e_sql_wrapper', label: '(e) SQL wrapper without set search_path', shape: { ...BEFORE, wrapper: 'sql' } },
  { key: 'f_returning', label: '(f) result built by RETURNING', shape: { ...BEFORE, result: 'returning' } },
  { key: 'g_domains', label: '(g) CHECKs as domains', shape: { ...BEFORE, tables: 'domains' } },
  { key: 'h_trigger_when', label: '(h) updated_at trigger with WHEN', shape: { ...BEFORE, trigger: 'when' } },
  { key: 'i_update_first', label: '(i) update first, upsert only when new', shape: { ...BEFORE, write: 'update-first', ring: 'statement' } },
  { key: 'kept', label: 'kept: (g)+(i), 20261201160000', shape: KEPT, source: () => definitionIn('migrations/20261201160000_tune_user_behavior_rpc.sql') },
  { key: 'j_enum_argument', label: '(j) kept, the platform a moderation_platform argument (20261201170000, current)', shape: KEPT,
    source: () => definitionIn('schema/functions/private.record_user_behavior_violation.sql'), platformEnum: true },
];


/**
 * The kept shape without one part of its work each, on kept's own tables (the same rows and
 * pages), so kept minus each is what that part costs. Not the RPC any more: the bench measures
 * their server-side cost only.
 */
export const ABLATIONS: { key: string; label: string; fn: string; omit: Part }[] = ([
  ['validation', 'the argument and payload checks'],
  ['ring', 'the recent-action slot write'],
  ['result', 'the jsonb result'],
  ['blocking', 'the blocking rule'],
] as const).map(([part, what]) => ({ key: `kept_no_${part}`, label: `kept without ${what}`, fn: `bench.kept_no_${part}_rpc`, omit: part }));

/** The variants in the order the bench reports them (floors first, the migrated RPC last). */
export const VARIANTS: ShieldVariant[] = [
  { key: 'floor', label: 'floor: the wrapper pair around the ceiling\'s upsert', fn: 'bench.floor_rpc', whole: false },
  { key: 'core', label: 'core: the two writes alone, kept tables and write path', fn: 'bench.core_rpc', behaviors: 'bench.core_behaviors', whole: false },
  ...MATRIX.map((v) => ({ key: v.key, label: v.label, fn: `bench.${v.key}_rpc`, behaviors: `bench.${v.key}_behaviors`, whole: true })),
  { key: 'rpc', label: 'public.atomic_update_user_behavior as migrated', fn: 'public.atomic_update_user_behavior', behaviors: 'public.user_behaviors', whole: true },
];

/** The public function's arguments (the platform a moderation_platform, as 20261201170000 made it). */
const ARGS = 'p_organization_id uuid, p_platform public.moderation_platform, p_platform_user_id text, p_platform_username text, p_violation_data jsonb';
/** The record functions' arguments: the platform as text (as the RPC took it until 20261201170000), but for `platformEnum` variants. */
const RECORD_ARGS = ARGS.replace('public.moderation_platform', 'text');

/** The public wrapper of a variant; a text-platform record gets the label as text (an unknown one is refused at the wrapper, as by the RPC). */
function wrapperSql(name: string, target: string, language: VariantShape['wrapper'], platformEnum = false): string {
  const pass = `p_organization_id, p_platform${platformEnum ? '' : '::text'}, p_platform_user_id, p_platform_username, p_violation_data`;
  return language === 'plpgsql'
    ? `create function ${name}(${ARGS}) returns jsonb language plpgsql volatile security invoker set search_path = '' as $$
begin
  return ${target}(${pass});
end
$$;`
    : `create function ${name}(${ARGS}) returns jsonb language sql volatile security invoker as $$
  select ${target}(${pass})
$$;`;
}

/** The statement defining private.record_user_behavior_violation in a file under supabase/. */
function definitionIn(file: string): string {
  const text = fs.readFileSync(path.join(repoRoot, 'supabase', file), 'utf8');
  const start = text.indexOf('create or replace function private.record_user_behavior_violation(');
  if (start < 0) throw new Error(`no definition of private.record_user_behavior_violation in supabase/${file}`);
  return text.slice(start, text.indexOf('\n$$;', start) + 4);
}

/** A function text of the RPC's body moved onto a variant's bench tables. */
const onBenchTables = (sql: string, key: string) => sql
  .replace('create or replace function private.record_user_behavior_violation(', `create function bench.${key}_record(`)
  .replace(/public\.user_behavior_actions\b/g, `bench.${key}_actions`)
  .replace(/public\.user_behaviors\b/g, `bench.${key}_behaviors`);

/** Everything the variants need, in schema `bench` (created by the caller). */
export function variantsSql(): string {
  const parts = [CEILING_SQL, DOMAINS_SQL];
  // The floor: the ceiling's own upsert behind the RPC's two functions (invoker wrapper, definer body).
  parts.push(`create function bench.floor_record(${RECORD_ARGS}) returns jsonb language plpgsql volatile security definer set search_path = '' as $$
begin
  insert into bench.plain_counter values (p_organization_id, p_platform, p_platform_user_id, 1)
  on conflict (tenant_id, platform, platform_user_id) do update set total_violations = bench.plain_counter.total_violations + 1;
  return null;
end
$$;`, wrapperSql('bench.floor_rpc', 'bench.floor_record', 'plpgsql'));
  // The core: the kept tables and write path, and the two writes of one violation only (no
  // validation, no caller check, no blocking, no result).
  parts.push(tablesSql('core', KEPT), `create function bench.core_record(${RECORD_ARGS}) returns jsonb language plpgsql volatile security definer set search_path = '' as $$
declare
  v_id uuid;
  v_tenant uuid;
  v_total integer;
  v_written boolean := false;
begin
  update bench.core_behaviors as b set
    total_violations = b.total_violations + 1,
    severity_counts = b.severity_counts || jsonb_build_object('medium', (b.severity_counts ->> 'medium')::int + 1),
    last_violation_at = now(), updated_at = now()
  where b.tenant_id = p_organization_id and b.platform = p_platform::public.moderation_platform and b.platform_user_id = p_platform_user_id
  returning b.id, b.tenant_id, b.total_violations into v_id, v_tenant, v_total;
  if v_id is null then
    insert into bench.core_behaviors as b (tenant_id, platform, platform_user_id, total_violations, severity_counts, last_violation_at)
    values (p_organization_id, p_platform::public.moderation_platform, p_platform_user_id, 1, '{"low": 0, "medium": 1, "high": 0, "critical": 0}', now())
    on conflict (tenant_id, platform, platform_user_id) do update set
      total_violations = b.total_violations + 1,
      severity_counts = b.severity_counts || jsonb_build_object('medium', (b.severity_counts ->> 'medium')::int + 1),
      last_violation_at = excluded.last_violation_at, updated_at = excluded.last_violation_at
    returning b.id, b.tenant_id, b.total_violations into v_id, v_tenant, v_total;
  end if;
  if v_total > 50 then
    update bench.core_actions as a set sequence = v_total, severity = 'medium', at = now()
    where a.behavior_id = v_id and a.slot = (v_total - 1) % 50;
    v_written := found;
  end if;
  if not v_written then
    insert into bench.core_actions (behavior_id, slot, tenant_id, sequence, severity, at)
    values (v_id, (v_total - 1) % 50, v_tenant, v_total, 'medium', now())
    on conflict (behavior_id, slot) do update set sequence = excluded.sequence, severity = excluded.severity, at = excluded.at;
  end if;
  return null;
end
$$;`, wrapperSql('bench.core_rpc', 'bench.core_record', 'plpgsql'));
  for (const v of MATRIX) {
    parts.push(tablesSql(v.key, v.shape), v.source ? onBenchTables(v.source(), v.key) : recordSql(v.key, v.shape),
      wrapperSql(`bench.${v.key}_rpc`, `bench.${v.key}_record`, v.shape.wrapper, v.platformEnum));
  }
  for (const a of ABLATIONS) {
    parts.push(recordSql(a.key, KEPT, [a.omit], 'kept'), wrapperSql(a.fn, `bench.${a.key}_record`, 'plpgsql'));
  }
  return parts.join('\n');
}

/** One more variant's tables and functions, `bench.<key>_rpc` (for trying a shape outside the matrix). */
export const variantSql = (key: string, shape: VariantShape) =>
  [tablesSql(key, shape), recordSql(key, shape), wrapperSql(`bench.${key}_rpc`, `bench.${key}_record`, shape.wrapper)].join('\n');

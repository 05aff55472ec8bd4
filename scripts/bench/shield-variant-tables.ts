/**
 * The shield bench's variants, part 1: the shapes, and the SQL of their tables and checks
 * (scripts/bench/shield-variants.ts puts them together; see its header for what each shape means).
 */

export interface VariantShape {
  tables: 'checks' | 'domains';
  counts: 'jsonb' | 'columns';
  trigger: 'always' | 'when';
  validation: 'statements' | 'expression';
  ring: 'cte' | 'statement';
  result: 'row' | 'returning';
  write: 'upsert' | 'update-first';
  wrapper: 'plpgsql' | 'sql';
}

/** A part of the RPC's work that an ablation leaves out. */
export type Part = 'validation' | 'ring' | 'result' | 'blocking';

/** The ceiling: a plain single-statement upsert on a comparable table (one hot key, or one of 10,000). */
export const CEILING_SQL = `
create table if not exists bench.plain_counter (
  tenant_id uuid not null, platform text not null, platform_user_id text not null,
  total_violations integer not null default 0, primary key (tenant_id, platform, platform_user_id));`;

export const DOMAINS_SQL = `
create domain bench.moderation_text as text check (char_length(value) between 1 and 200);
create domain bench.toxicity_score as numeric(5, 4) check (value between 0 and 1);
create domain bench.violation_count as integer check (value >= 0);`;

export function tablesSql(p: string, s: VariantShape): string {
  const d = s.tables === 'domains';
  const text = d ? 'bench.moderation_text' : 'text';
  const score = d ? 'bench.toxicity_score' : 'numeric(5, 4)';
  const count = d ? 'bench.violation_count' : 'integer';
  const counts = s.counts === 'jsonb'
    ? `severity_counts public.severity_counts not null default '{"low": 0, "medium": 0, "high": 0, "critical": 0}',`
    : `low_count ${count} not null default 0, medium_count ${count} not null default 0,
       high_count ${count} not null default 0, critical_count ${count} not null default 0,`;
  const checks = d ? '' : `
  constraint ${p}_user_id_length check (char_length(platform_user_id) between 1 and 200),
  constraint ${p}_username_length check (platform_username is null or char_length(platform_username) between 1 and 200),
  constraint ${p}_total_nonnegative check (total_violations >= 0),${s.counts === 'columns' ? `
  constraint ${p}_counts_nonnegative check (low_count >= 0 and medium_count >= 0 and high_count >= 0 and critical_count >= 0),` : ''}
  constraint ${p}_scores_range check (
    (last_toxicity_score is null or last_toxicity_score between 0 and 1)
    and (max_toxicity_score is null or max_toxicity_score between 0 and 1)),`;
  const actionCheck = d
    ? 'check (sequence > 0 and slot = (sequence - 1) % 50 and cardinality(action_tags) <= 20)'
    : `check (
    sequence > 0 and slot = (sequence - 1) % 50
    and (toxicity_score is null or toxicity_score between 0 and 1)
    and (comment_id is null or char_length(comment_id) between 1 and 200)
    and cardinality(action_tags) <= 20)`;
  return `
create table bench.${p}_behaviors (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  platform public.moderation_platform not null,
  platform_user_id ${text} not null,
  platform_username ${text},
  total_violations ${count} not null default 0,
  ${counts}
  last_violation_at timestamptz,
  last_toxicity_score ${score},
  max_toxicity_score ${score},
  is_blocked boolean not null default false,
  blocked_reason text,
  blocked_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ${p}_account_key unique (tenant_id, platform, platform_user_id),
  constraint ${p}_id_tenant_key unique (id, tenant_id),${checks}
  constraint ${p}_blocked_reason check (is_blocked = (blocked_reason is not null) and is_blocked = (blocked_at is not null))
) with (fillfactor = 70);
create index ${p}_tenant_blocked_idx on bench.${p}_behaviors (tenant_id, blocked_at desc) where is_blocked;
create trigger ${p}_set_updated_at before update on bench.${p}_behaviors for each row
  ${s.trigger === 'when' ? 'when (new.updated_at is not distinct from old.updated_at) ' : ''}execute function private.set_updated_at();
create table bench.${p}_actions (
  behavior_id uuid not null,
  slot smallint not null,
  tenant_id uuid not null,
  sequence integer not null,
  comment_id ${text},
  severity public.violation_severity not null,
  toxicity_score ${score},
  action_tags text[] not null default '{}',
  at timestamptz not null,
  constraint ${p}_actions_pkey primary key (behavior_id, slot),
  constraint ${p}_actions_behavior_fkey foreign key (behavior_id, tenant_id)
    references bench.${p}_behaviors (id, tenant_id) on delete cascade,
  constraint ${p}_actions_valid ${actionCheck}
) with (fillfactor = 70);`;
}

/** The per-rule checks of 20261201110200, verbatim: they raise the error of the first rule a call breaks. */
export const CHECK_STATEMENTS = `
  if p_organization_id is null or p_platform is null or p_platform_user_id is null or p_violation_data is null then
    raise exception 'atomic_update_user_behavior: organization id, platform, platform user id and violation data are required'
      using errcode = '22004';
  end if;
  begin
    v_platform_label := p_platform::public.moderation_platform;
  exception when invalid_text_representation then
    raise exception 'atomic_update_user_behavior: unknown platform "%"', p_platform
      using errcode = '22023', hint = 'one of ' || array_to_string(enum_range(null::public.moderation_platform), ', ');
  end;
  if char_length(p_platform_user_id) not between 1 and 200
     or (p_platform_username is not null and char_length(p_platform_username) not between 1 and 200) then
    raise exception 'atomic_update_user_behavior: platform user id and username must be 1-200 characters'
      using errcode = '22023';
  end if;
  if jsonb_typeof(p_violation_data) <> 'object' then
    raise exception 'atomic_update_user_behavior: violation data must be a JSON object' using errcode = '22023';
  end if;
  if p_violation_data - '{severity,toxicity_score,action_tags,comment_id}'::text[] <> '{}'::jsonb then
    raise exception 'atomic_update_user_behavior: unknown key in violation data: %',
      (select string_agg(k, ', ') from jsonb_object_keys(p_violation_data - '{severity,toxicity_score,action_tags,comment_id}'::text[]) k)
      using errcode = '22023', hint = 'allowed keys: severity, toxicity_score, action_tags, comment_id';
  end if;
  v_severity := p_violation_data ->> 'severity';
  begin
    v_severity_label := v_severity::public.violation_severity;
  exception when invalid_text_representation then
    v_severity := null; -- not a severity: refused just below
  end;
  if jsonb_typeof(p_violation_data -> 'severity') is distinct from 'string' or v_severity is null then
    raise exception 'atomic_update_user_behavior: severity is required and must be low, medium, high or critical'
      using errcode = '22023';
  end if;
  if jsonb_typeof(p_violation_data -> 'toxicity_score') <> 'null' then
    if jsonb_typeof(p_violation_data -> 'toxicity_score') <> 'number'
       or (p_violation_data ->> 'toxicity_score')::numeric not between 0 and 1 then
      raise exception 'atomic_update_user_behavior: toxicity_score must be a number between 0 and 1'
        using errcode = '22023';
    end if;
    v_score := round((p_violation_data ->> 'toxicity_score')::numeric, 4);
  end if;
  v_tags := coalesce(p_violation_data -> 'action_tags', '[]'::jsonb);
  if jsonb_typeof(v_tags) <> 'array' or jsonb_array_length(v_tags) > 20
     or jsonb_path_exists(v_tags, '$[*] ? (@.type() != "string" || !(@ like_regex "^.{1,50}$" flag "s"))') then
    raise exception 'atomic_update_user_behavior: action_tags must be an array of up to 20 strings of 1-50 characters'
      using errcode = '22023';
  end if;
  if jsonb_typeof(p_violation_data -> 'comment_id') <> 'null' then
    if jsonb_typeof(p_violation_data -> 'comment_id') <> 'string'
       or char_length(p_violation_data ->> 'comment_id') not between 1 and 200 then
      raise exception 'atomic_update_user_behavior: comment_id must be a string of 1-200 characters'
        using errcode = '22023';
    end if;
    v_comment_id := p_violation_data ->> 'comment_id';
  end if;`;

/** For the cost of validation: the values the checks would assign, assigned without checking. */
export const UNCHECKED = `
  v_platform_label := p_platform::public.moderation_platform;
  v_severity := p_violation_data ->> 'severity';
  v_severity_label := v_severity::public.violation_severity;
  v_score := round((p_violation_data ->> 'toxicity_score')::numeric, 4);
  v_tags := coalesce(p_violation_data -> 'action_tags', '[]'::jsonb);
  v_comment_id := p_violation_data ->> 'comment_id';`;

/** One expression true exactly when the per-rule checks would pass (enum labels aside). */
export const VALID_EXPRESSION = `
  v_tags := coalesce(p_violation_data -> 'action_tags', '[]'::jsonb);
  v_valid := coalesce(
    p_organization_id is not null and p_platform is not null
    and char_length(p_platform_user_id) between 1 and 200
    and (p_platform_username is null or char_length(p_platform_username) between 1 and 200)
    and jsonb_typeof(p_violation_data) = 'object'
    and p_violation_data - '{severity,toxicity_score,action_tags,comment_id}'::text[] = '{}'::jsonb
    and jsonb_typeof(p_violation_data -> 'severity') = 'string'
    and case coalesce(jsonb_typeof(p_violation_data -> 'toxicity_score'), 'null')
          when 'null' then true
          when 'number' then (p_violation_data ->> 'toxicity_score')::numeric between 0 and 1
          else false end
    and case jsonb_typeof(v_tags)
          when 'array' then jsonb_array_length(v_tags) <= 20
            and not jsonb_path_exists(v_tags, '$[*] ? (@.type() != "string" || !(@ like_regex "^.{1,50}$" flag "s"))')
          else false end
    and case coalesce(jsonb_typeof(p_violation_data -> 'comment_id'), 'null')
          when 'null' then true
          when 'string' then char_length(p_violation_data ->> 'comment_id') between 1 and 200
          else false end,
    false);
  if v_valid then
    v_severity := p_violation_data ->> 'severity';
    begin
      v_platform_label := p_platform::public.moderation_platform;
      v_severity_label := v_severity::public.violation_severity;
    exception when invalid_text_representation then
      v_valid := false;
    end;
    v_score := round((p_violation_data ->> 'toxicity_score')::numeric, 4);
    v_comment_id := p_violation_data ->> 'comment_id';
  end if;
  if not v_valid then${CHECK_STATEMENTS.replace(/\n/g, '\n  ')}
  end if;`;


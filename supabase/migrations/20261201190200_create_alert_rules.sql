-- Alerts (AI assistant platform checklist, "Alerts Configuration"; Phase 2 summary, "Set up SLO
-- monitoring alerts"): the rules, declared once in private.alert_rules with their severity and
-- threshold, so an operator can tune or switch one off without a migration:
--   update private.alert_rules set threshold = 90 where alert_key = 'connections';
-- private.evaluate_alerts() (next migration) reads them. private.cron_interval() tells how often a
-- schedule of private.job_schedules fires, for the rule on summaries left unrefreshed.

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type private.alert_severity as enum ('critical', 'warning');
exception when duplicate_object then null;
end
$$;
comment on type private.alert_severity is
  'How urgent a firing alert is. critical: act now (npm run ops:alerts exits 1); warning: look at it today.';

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists private.alert_rules (
  alert_key text primary key,
  severity private.alert_severity not null,
  threshold numeric,
  minimum numeric,
  enabled boolean not null default true,
  description text not null,
  updated_at timestamptz not null default now(),
  constraint alert_rules_key_format check (alert_key ~ '^[a-z][a-z0-9_]{0,62}$'),
  constraint alert_rules_limits_nonnegative check ((threshold is null or threshold >= 0) and (minimum is null or minimum >= 0)),
  constraint alert_rules_description_length check (char_length(description) between 1 and 1000)
);
comment on table private.alert_rules is
  'The alert rules private.evaluate_alerts() applies: severity, threshold and minimum per rule; a disabled rule never fires.';
comment on column private.alert_rules.alert_key is 'The rule (the alert key of what it fires).';
comment on column private.alert_rules.severity is 'Severity of what it fires.';
comment on column private.alert_rules.threshold is 'The limit a measured value must pass to fire, in the unit the description names; null for rules that fire on a state.';
comment on column private.alert_rules.minimum is 'The smallest base the rule judges (table_growth: bytes; ingestion_error_rate: ended ingestions); null: none.';
comment on column private.alert_rules.enabled is 'Whether the rule is evaluated.';
comment on column private.alert_rules.description is 'What fires it.';
comment on column private.alert_rules.updated_at is 'When the rule last changed (kept by trigger).';

insert into private.alert_rules (alert_key, severity, threshold, minimum, description) values
  ('table_growth', 'warning', 50, 8388608,
   'A table or materialized view in public or private grew more than threshold percent against its newest daily snapshot taken at least 7 days before; tables under minimum bytes (8 MB) are not judged.'),
  ('long_running_query', 'warning', 1000, null,
   'A query in this database has been running longer than threshold ms now (pg_stat_activity: active client backends, the monitor''s own session left out).'),
  ('slow_statement', 'warning', 1000, null,
   'A statement''s mean execution time is over threshold ms (pg_stat_statements since its last reset, where it can be read).'),
  ('summary_refresh_failed', 'critical', null, null,
   'The newest run of the refresh-views step refresh_summaries failed.'),
  ('summary_refresh_stale', 'critical', 2, null,
   'A materialized view in private was last refreshed (private.summary_refreshes) longer ago than threshold times the interval of the most frequent enabled schedule that refreshes it, or never.'),
  ('job_failed', 'critical', null, null,
   'The latest finished run of a scheduled refresh-views job failed: every step failed.'),
  ('job_partial', 'warning', null, null,
   'The latest finished run of a scheduled refresh-views job was partial: some steps failed.'),
  ('ingestion_error_rate', 'critical', 1, 20,
   'Over threshold percent of the raw responses ingested in the last 24 hours that have ended went to needs_review or failed; judged from minimum ended ingestions on.'),
  ('connections', 'warning', 80, null,
   'Client connections are above threshold percent of max_connections.'),
  ('storage_pending_stale', 'critical', 15, null,
   'A raw response has been kept in storage_pending (storage was down when it arrived) longer than threshold minutes.'),
  ('rag_slo_missed', 'warning', null, null,
   'Yesterday''s (UTC) RAG metrics missed their SLO (rag_metrics_history.slo_compliance overallMet false), per tenant and for the platform.')
on conflict (alert_key) do nothing;

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.cron_interval(p_schedule text)
returns interval
language plpgsql
immutable
set search_path = ''
as $$
declare
  f text[];
  n integer;
  minute_n integer;
  hour_n integer;
begin
  -- The longest gap between two firings of the common forms; null for any other. Each number is
  -- cast only once its field matched a pattern of at most 4 digits (no cast can fail).
  f := regexp_split_to_array(regexp_replace(coalesce(p_schedule, ''), '^\s+|\s+$', '', 'g'), '\s+');
  n := coalesce(array_length(f, 1), 0);
  if n = 6 then
    f := f[2:6];  -- leading seconds (local only): judged by the minute
  elsif n <> 5 then
    return null;
  end if;
  if f[3] <> '*' or f[4] <> '*' then
    return null;
  end if;
  if f[1] ~ '^[0-9]{1,4}$' then
    minute_n := f[1]::integer;
    if minute_n > 59 then
      return null;
    end if;
  end if;
  if f[2] ~ '^[0-9]{1,4}$' then
    hour_n := f[2]::integer;
    if hour_n > 23 then
      return null;
    end if;
  end if;
  if f[5] <> '*' then
    if minute_n is not null and hour_n is not null and f[5] ~ '^[0-7]$' then
      return interval '7 days';
    end if;
    return null;
  end if;
  if f[2] = '*' then
    if f[1] = '*' then
      return interval '1 minute';
    elsif f[1] ~ '^\*/[0-9]{1,4}$' then
      n := substr(f[1], 3)::integer;
      return case when n > 0 then make_interval(mins => least(n, 60)) end;
    elsif minute_n is not null then
      return interval '1 hour';
    end if;
    return null;
  end if;
  if minute_n is null then
    return null;
  end if;
  if f[2] ~ '^\*/[0-9]{1,4}$' then
    n := substr(f[2], 3)::integer;
    return case when n > 0 then make_interval(hours => least(n, 24)) end;
  elsif hour_n is not null then
    return interval '1 day';
  end if;
  return null;
end
$$;
comment on function private.cron_interval(text) is
  'How long a cron schedule of private.job_schedules waits at most between two firings, for the forms * , */N or a number in the minute and hour fields with * for day and month (and a number for the weekday: 7 days); 6 fields are judged by their last 5. Null for any other form or text. service_role only.';

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger alert_rules_set_updated_at
  before update on private.alert_rules
  for each row execute function private.set_updated_at();

-- ============================================================================
-- RLS AND GRANTS (service_role only: the monitor step and the operator command)
-- ============================================================================
alter table private.alert_rules enable row level security;
revoke all on private.alert_rules from public, anon, authenticated;
grant select on private.alert_rules to service_role;

revoke all on function private.cron_interval(text) from public, anon, authenticated;
grant execute on function private.cron_interval(text) to service_role;

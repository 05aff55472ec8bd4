-- Scheduled jobs: the schedules, declared once (private.job_schedules: read by Supabase Cron in
-- production through private.apply_job_schedules, and by the local gateway), and the log of every
-- run and step of refresh-views (private.job_runs, private.job_run_steps).
--
-- Change a schedule: update private.job_schedules (schedule, enabled, body), then, on a project
-- with pg_cron, `select private.apply_job_schedules();`. The local gateway reads the table at start.

-- ============================================================================
-- TABLES
-- ============================================================================
create table if not exists private.job_schedules (
  name text primary key,
  schedule text not null,
  function_name text not null,
  body jsonb not null default '{}'::jsonb,
  enabled boolean not null default true,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint job_schedules_name_format check (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  constraint job_schedules_schedule_fields check (array_length(regexp_split_to_array(btrim(schedule), '\s+'), 1) in (5, 6)),
  constraint job_schedules_function_format check (function_name ~ '^[A-Za-z][A-Za-z0-9_-]*$'),
  constraint job_schedules_body_object check (jsonb_typeof(body) = 'object')
);
comment on table private.job_schedules is 'Schedules of the edge functions that run on their own: Supabase Cron (pg_cron) in production, the local gateway in development.';
comment on column private.job_schedules.name is 'Job name (also the pg_cron job name).';
comment on column private.job_schedules.schedule is 'Cron expression in UTC: 5 fields (minute hour day month weekday); 6 (leading seconds) only for the local gateway, as in tests.';
comment on column private.job_schedules.function_name is 'Edge function to call with POST.';
comment on column private.job_schedules.body is 'JSON body of the call.';
comment on column private.job_schedules.enabled is 'Whether the job runs.';
comment on column private.job_schedules.description is 'What the job does.';
comment on column private.job_schedules.created_at is 'When the schedule was declared.';
comment on column private.job_schedules.updated_at is 'When it last changed (kept by trigger).';

insert into private.job_schedules (name, schedule, function_name, body, description) values
  ('refresh-summaries', '*/15 * * * *', 'refresh-views', '{"job": "refresh"}', 'Refresh the feedback and usage summaries, and upload raw responses left pending by a storage outage.'),
  ('daily-rag-metrics', '10 0 * * *', 'refresh-views', '{"job": "daily"}', 'Yesterday''s RAG metrics for every tenant and the platform (after midnight UTC).'),
  ('weekly-maintenance', '0 3 * * 0', 'refresh-views', '{"job": "maintenance"}', 'VACUUM ANALYZE of conversations, messages, feedback and usage_metrics (Sundays 03:00 UTC).')
on conflict (name) do nothing;

create table if not exists private.job_runs (
  id uuid primary key default gen_random_uuid(),
  job text not null,
  trigger text not null,
  status text not null default 'running',
  started_at timestamptz not null default clock_timestamp(),
  finished_at timestamptz,
  duration_ms integer,
  summary jsonb,
  constraint job_runs_status_check check (status in ('running', 'succeeded', 'partial', 'failed', 'skipped')),
  constraint job_runs_job_length check (char_length(job) between 1 and 100),
  constraint job_runs_trigger_length check (char_length(trigger) between 1 and 100)
);
comment on table private.job_runs is 'One run of a scheduled job (refresh-views).';
comment on column private.job_runs.id is 'Primary key.';
comment on column private.job_runs.job is 'Which job: refresh, daily, maintenance.';
comment on column private.job_runs.trigger is 'Who started it: cron, local-schedule, manual.';
comment on column private.job_runs.status is 'running, succeeded, partial (some steps failed), failed, or skipped (another run held the lock).';
comment on column private.job_runs.started_at is 'When the run started.';
comment on column private.job_runs.finished_at is 'When it ended.';
comment on column private.job_runs.duration_ms is 'How long it took, ms.';
comment on column private.job_runs.summary is 'The answer the function gave.';

create table if not exists private.job_run_steps (
  id uuid primary key default gen_random_uuid(),
  run_id uuid not null references private.job_runs (id) on delete cascade,
  step text not null,
  status text not null default 'running',
  started_at timestamptz not null default clock_timestamp(),
  finished_at timestamptz,
  duration_ms integer,
  rows integer,
  error text,
  constraint job_run_steps_status_check check (status in ('running', 'succeeded', 'failed')),
  constraint job_run_steps_error_length check (error is null or char_length(error) <= 2000)
);
comment on table private.job_run_steps is 'One step of a job run, with its timing, rows and error.';
comment on column private.job_run_steps.id is 'Primary key.';
comment on column private.job_run_steps.run_id is 'The run.';
comment on column private.job_run_steps.step is 'Step name (refresh_summaries, rag_metrics, upload_pending_responses, vacuum_analyze).';
comment on column private.job_run_steps.status is 'running, succeeded or failed.';
comment on column private.job_run_steps.started_at is 'When the step started.';
comment on column private.job_run_steps.finished_at is 'When it ended.';
comment on column private.job_run_steps.duration_ms is 'How long it took, ms.';
comment on column private.job_run_steps.rows is 'Rows the step produced or touched.';
comment on column private.job_run_steps.error is 'Why it failed.';

-- ============================================================================
-- INDEXES
-- ============================================================================
create index if not exists job_runs_job_started_idx on private.job_runs (job, started_at desc);
create index if not exists job_run_steps_run_idx on private.job_run_steps (run_id);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.apply_job_schedules()
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  s record;
  applied integer := 0;
begin
  if to_regnamespace('cron') is null or to_regnamespace('net') is null or to_regclass('vault.decrypted_secrets') is null then
    return 'pg_cron, pg_net or Vault is not available here: nothing scheduled (the local gateway runs private.job_schedules)';
  end if;
  for s in select * from private.job_schedules order by name loop
    if s.enabled and array_length(regexp_split_to_array(btrim(s.schedule), '\s+'), 1) = 5 then
      -- The project URL and the key come from Vault at run time; nothing secret is written here.
      execute format($f$select cron.schedule(%L, %L, %L)$f$, s.name, s.schedule, format(
        $cmd$select net.http_post(
            url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/%s',
            headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization',
                       'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')),
            body := %L::jsonb || '{"trigger": "cron"}'::jsonb,
            timeout_milliseconds := 60000)$cmd$, s.function_name, s.body::text));
      applied := applied + 1;
    elsif exists (select 1 from cron.job j where j.jobname = s.name) then
      perform cron.unschedule(s.name);
    end if;
  end loop;
  return format('%s job(s) scheduled with pg_cron', applied);
end
$$;
comment on function private.apply_job_schedules() is
  'Creates or updates a Supabase Cron job per enabled row of private.job_schedules (calling the function with the project URL and service key read from Vault: project_url, service_role_key), and unschedules disabled ones; a no-op where pg_cron, pg_net or Vault is missing.';
revoke all on function private.apply_job_schedules() from public, anon, authenticated;

select private.apply_job_schedules();

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger job_schedules_set_updated_at
  before update on private.job_schedules
  for each row execute function private.set_updated_at();

-- ============================================================================
-- RLS AND GRANTS (service_role only: the jobs and the function that runs them)
-- ============================================================================
alter table private.job_schedules enable row level security;
alter table private.job_runs enable row level security;
alter table private.job_run_steps enable row level security;
revoke all on private.job_schedules, private.job_runs, private.job_run_steps from public, anon, authenticated;
grant select on private.job_schedules to service_role;
grant select, insert, update on private.job_runs, private.job_run_steps to service_role;

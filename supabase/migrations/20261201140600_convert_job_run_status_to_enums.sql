-- Closed sets as enums (issue 19), the job log: private.job_runs.status becomes
-- private.job_run_status (failed, partial, running, skipped, succeeded; default running) and
-- private.job_run_steps.status private.job_step_status (failed, running, succeeded; default
-- running), were text with job_runs_status_check and job_run_steps_status_check. The types live in
-- private beside their tables (not exposed by the API). refresh-views writes them with literals and
-- untyped parameters, which convert as before. An unknown status is refused with 22P02 instead of
-- 23514. Labels are in alphabetical order (ORDER BY sorts as on text).

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type private.job_run_status as enum ('failed', 'partial', 'running', 'skipped', 'succeeded');
exception when duplicate_object then null;
end
$$;
comment on type private.job_run_status is
  'State of a run of a scheduled job. running: started; succeeded: every step succeeded; partial: some steps failed; failed: every step failed; skipped: another run held the lock.';

do $$
begin
  create type private.job_step_status as enum ('failed', 'running', 'succeeded');
exception when duplicate_object then null;
end
$$;
comment on type private.job_step_status is
  'State of one step of a job run: running, succeeded or failed.';

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
alter table private.job_runs
  drop constraint if exists job_runs_status_check,
  alter column status drop default,
  alter column status type private.job_run_status using status::private.job_run_status,
  alter column status set default 'running';

alter table private.job_run_steps
  drop constraint if exists job_run_steps_status_check,
  alter column status drop default,
  alter column status type private.job_step_status using status::private.job_step_status,
  alter column status set default 'running';

-- Rollback of 20261201140600_convert_job_run_status_to_enums.sql: the statuses of private.job_runs
-- and private.job_run_steps are text again with their defaults and CHECKs as 20261121190000
-- created them; the enums are dropped.
alter table private.job_run_steps
  alter column status drop default,
  alter column status type text using status::text,
  alter column status set default 'running',
  add constraint job_run_steps_status_check check (status in ('running', 'succeeded', 'failed'));

alter table private.job_runs
  alter column status drop default,
  alter column status type text using status::text,
  alter column status set default 'running',
  add constraint job_runs_status_check check (status in ('running', 'succeeded', 'partial', 'failed', 'skipped'));

drop type if exists private.job_step_status;
drop type if exists private.job_run_status;

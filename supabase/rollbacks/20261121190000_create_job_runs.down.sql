-- Rollback of 20261121190000_create_job_runs.sql: unschedules the Cron jobs (where pg_cron exists)
-- and drops the schedules and the job log.
do $$
declare
  s record;
begin
  if to_regnamespace('cron') is not null then
    for s in select name from private.job_schedules loop
      if exists (select 1 from cron.job j where j.jobname = s.name) then
        perform cron.unschedule(s.name);
      end if;
    end loop;
  end if;
end
$$;
drop function if exists private.apply_job_schedules();
drop table if exists private.job_run_steps;
drop table if exists private.job_runs;
drop table if exists private.job_schedules;

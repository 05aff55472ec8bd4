-- Rollback of 20261201190500_add_monitor_job.sql: the monitor schedule is removed, and with it its
-- Supabase Cron job (private.apply_job_schedules unschedules jobs whose row is gone).
delete from private.job_schedules where name = 'monitor';
select private.apply_job_schedules();

-- The operational logs stop growing without bound: private.prune_operational_logs() deletes
--   * job runs (their steps with them, on delete cascade) that finished more than 90 days ago,
--     always keeping the newest run of each job (the alert rules judge a job by its latest run);
--   * alert events resolved more than 90 days ago (open ones are never pruned);
--   * table-size snapshots older than 400 days (a year of growth history, and the week-over-week
--     rule needs only 8 days).
-- It runs as the maintenance job's step prune_logs (refresh-views). No arguments (the windows
-- are fixed here, so nothing a caller passes reaches the deletes). SECURITY DEFINER: service_role
-- may not delete from these tables itself (it reads them; the job and sync functions write).
-- Executable by service_role only. Returns one row per log with the rows deleted.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.prune_operational_logs()
returns table (log text, deleted bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  delete from private.job_runs r
  where r.finished_at is not null
    and r.finished_at < now() - interval '90 days'
    and r.id <> (select x.id from private.job_runs x where x.job = r.job order by x.started_at desc, x.id desc limit 1);
  get diagnostics v_count = row_count;
  log := 'job_runs'; deleted := v_count;
  return next;

  delete from private.alert_events e
  where e.resolved_at is not null and e.resolved_at < now() - interval '90 days';
  get diagnostics v_count = row_count;
  log := 'alert_events'; deleted := v_count;
  return next;

  delete from private.table_size_snapshots s
  where s.day < (now() at time zone 'UTC')::date - 400;
  get diagnostics v_count = row_count;
  log := 'table_size_snapshots'; deleted := v_count;
  return next;
end
$$;
comment on function private.prune_operational_logs() is
  'Retention of the operational logs: job runs (and their steps) finished more than 90 days ago except the newest run of each job, alert events resolved more than 90 days ago, table-size snapshots older than 400 days. Returns (log, deleted) per log. The maintenance job''s prune_logs step. service_role only.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on function private.prune_operational_logs() from public, anon, authenticated;
grant execute on function private.prune_operational_logs() to service_role;

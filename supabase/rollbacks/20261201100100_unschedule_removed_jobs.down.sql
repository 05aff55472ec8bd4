-- Rollback of 20261201100100_unschedule_removed_jobs.sql: private.apply_job_schedules as
-- 20261121190000 made it (a deleted row keeps its cron job), applied again.

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

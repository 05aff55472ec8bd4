create or replace function private.apply_job_schedules()
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  s record;
  j record;
  applied integer := 0;
  removed integer := 0;
begin
  if to_regnamespace('cron') is null or to_regnamespace('net') is null or to_regclass('vault.decrypted_secrets') is null then
    return 'pg_cron, pg_net or Vault is not available here: nothing scheduled (the local gateway runs private.job_schedules)';
  end if;
  for s in
    select * from private.job_schedules
    where enabled and array_length(regexp_split_to_array(btrim(schedule), '\s+'), 1) = 5
    order by name
  loop
    -- The project URL and the key come from Vault at run time; nothing secret is written here.
    execute format($f$select cron.schedule(%L, %L, %L)$f$, s.name, s.schedule, format(
      $cmd$/* private.job_schedules: %s */ select net.http_post(
            url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/%s',
            headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization',
                       'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')),
            body := %L::jsonb || '{"trigger": "cron"}'::jsonb,
            timeout_milliseconds := 60000)$cmd$, s.name, s.function_name, s.body::text));
    applied := applied + 1;
  end loop;
  for j in
    select c.jobname from cron.job c
    where c.username = current_user
      and (c.command like '/* private.job_schedules: %'
           or c.command like 'select net.http_post(%vault.decrypted_secrets where name = ''project_url'') || ''/functions/v1/%')
      and not exists (select 1 from private.job_schedules js
                      where js.name = c.jobname and js.enabled
                        and array_length(regexp_split_to_array(btrim(js.schedule), '\s+'), 1) = 5)
    order by c.jobname
  loop
    perform cron.unschedule(j.jobname);
    removed := removed + 1;
  end loop;
  return format('%s job(s) scheduled with pg_cron, %s unscheduled', applied, removed);
end
$$;

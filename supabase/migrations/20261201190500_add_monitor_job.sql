-- The monitor job: refresh-views with {"job": "monitor"} every 5 minutes (UTC), declared like the
-- other schedules in private.job_schedules (Supabase Cron through private.apply_job_schedules in
-- production, the local gateway in development). Its one step records the day's table sizes
-- (private.record_table_sizes, once a day), evaluates the alert rules and keeps the alert log
-- (private.sync_alert_events), and posts what opened or resolved to the function secret
-- ALERT_WEBHOOK_URL when it is set. A project that already has a row named monitor keeps it.

insert into private.job_schedules (name, schedule, function_name, body, description) values
  ('monitor', '*/5 * * * *', 'refresh-views', '{"job": "monitor"}',
   'Record the day''s table sizes, evaluate the alert rules, keep private.alert_events, and post opened and resolved alerts to ALERT_WEBHOOK_URL.')
on conflict (name) do nothing;

select private.apply_job_schedules();

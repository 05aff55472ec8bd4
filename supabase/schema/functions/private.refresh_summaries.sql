create or replace function private.refresh_summaries()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
set statement_timeout = '10min'
as $$
declare
  feedback_at timestamptz;
  feedback_ms numeric;
  feedback_rows bigint;
  usage_at timestamptz;
  usage_ms numeric;
  usage_rows bigint;
begin
  feedback_at := clock_timestamp();
  refresh materialized view concurrently private.message_feedback_summary;
  feedback_ms := round(extract(epoch from clock_timestamp() - feedback_at) * 1000, 1);
  usage_at := clock_timestamp();
  refresh materialized view concurrently private.monthly_usage_summary;
  usage_ms := round(extract(epoch from clock_timestamp() - usage_at) * 1000, 1);
  select count(*) into feedback_rows from private.message_feedback_summary;
  select count(*) into usage_rows from private.monthly_usage_summary;
  -- Committed with the refreshed rows, so readers see data and time change together.
  insert into private.summary_refreshes as r (summary, refreshed_at, duration_ms, row_count)
  values ('message_feedback_summary', feedback_at, feedback_ms, feedback_rows),
         ('monthly_usage_summary', usage_at, usage_ms, usage_rows)
  on conflict (summary) do update
    set refreshed_at = excluded.refreshed_at, duration_ms = excluded.duration_ms, row_count = excluded.row_count;
  return jsonb_build_object(
    'message_feedback_summary', jsonb_build_object('ms', feedback_ms, 'rows', feedback_rows, 'refreshed_at', feedback_at),
    'monthly_usage_summary', jsonb_build_object('ms', usage_ms, 'rows', usage_rows, 'refreshed_at', usage_at)
  );
end
$$;

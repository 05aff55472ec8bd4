-- Alerts: private.evaluate_alerts() applies every enabled rule of private.alert_rules now and
-- returns one row per firing (alert_key, subject): its severity, the measured value, the threshold
-- it passed and a sentence saying what is wrong. It writes nothing (the refresh-views `monitor`
-- step keeps the log of what fired, private.alert_events, next migration). Rules, in the
-- checklists' words:
--   table_growth            "table size growth (> 50% week-over-week)": live size against the
--                           newest daily snapshot at least 7 days old; tables under 8 MB ignored
--   long_running_query      "slow queries (> 1 second)", running now in this database (pg_stat_activity)
--   slow_statement          the same over time: pg_stat_statements mean > 1 s, where readable
--   summary_refresh_failed  "materialized view refresh failures": the newest refresh_summaries
--   summary_refresh_stale   ... or no refresh for twice the refreshing schedule's interval
--   job_failed, job_partial the latest run of each scheduled refresh-views job
--   ingestion_error_rate    "high error rate (> 1%)": raw-response ingestions of the last 24 h
--                           that ended in needs_review or failed, from 20 ended ingestions on
--   connections             "connection pool": client connections > 80% of max_connections
--   storage_pending_stale   raw responses kept in the row for storage > 15 minutes
--   rag_slo_missed          "SLO monitoring alerts": yesterday's slo_compliance, per tenant and platform
-- SECURITY DEFINER: its owner (postgres, in pg_monitor on Supabase) sees every session's query.
-- service_role (and the owner) only.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.evaluate_alerts()
returns table (alert_key text, severity private.alert_severity, subject text, value numeric, threshold numeric, detail text)
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  r private.alert_rules;
  v_now timestamptz := now();
  v_today date := (now() at time zone 'UTC')::date;
  v_interval interval;
begin
  select * into r from private.alert_rules x where x.alert_key = 'table_growth' and x.enabled;
  if found then
    return query
      select r.alert_key, r.severity, g.table_name, g.growth_pct, r.threshold,
             format('%s is %s: %s%% more than the %s of %s', g.table_name, pg_catalog.pg_size_pretty(g.total_bytes), g.growth_pct,
                    pg_catalog.pg_size_pretty(g.base_bytes), g.base_day)
      from private.table_growth() g
      where g.total_bytes >= coalesce(r.minimum, 0) and g.growth_pct > r.threshold;
  end if;

  select * into r from private.alert_rules x where x.alert_key = 'long_running_query' and x.enabled;
  if found then
    return query
      select r.alert_key, r.severity, 'pid ' || a.pid,
             round(extract(epoch from pg_catalog.clock_timestamp() - a.query_start)::numeric * 1000),
             r.threshold,
             format('running %s s as %s (%s)%s: %s',
                    round(extract(epoch from pg_catalog.clock_timestamp() - a.query_start)::numeric, 1), a.usename,
                    coalesce(nullif(a.application_name, ''), 'no application name'),
                    case when a.wait_event is not null then format(', waiting on %s:%s', a.wait_event_type, a.wait_event) else '' end,
                    -- string literals masked: what reaches a chat channel holds no values
                    left(regexp_replace(regexp_replace(a.query, '''([^'']|'''')*''', '''?''', 'g'), '\s+', ' ', 'g'), 200))
      from pg_catalog.pg_stat_activity a
      where a.backend_type = 'client backend'
        and a.datname = pg_catalog.current_database()
        and a.state in ('active', 'fastpath function call')
        and a.pid <> pg_catalog.pg_backend_pid()
        and a.query_start < pg_catalog.clock_timestamp() - r.threshold::float8 * interval '1 millisecond';
  end if;

  select * into r from private.alert_rules x where x.alert_key = 'slow_statement' and x.enabled;
  if found and r.threshold is not null then
    return query
      select r.alert_key, r.severity, 'queryid ' || coalesce(s.queryid::text, 'unknown'), s.mean_ms, r.threshold,
             format('mean %s ms over %s calls (total %s ms): %s', s.mean_ms, s.calls, s.total_ms,
                    left(regexp_replace(s.query, '\s+', ' ', 'g'), 200))
      from private.slow_statements(r.threshold) s;
  end if;

  select * into r from private.alert_rules x where x.alert_key = 'summary_refresh_failed' and x.enabled;
  if found then
    return query
      select r.alert_key, r.severity, 'refresh_summaries', null::numeric, r.threshold,
             format('the newest refresh of the summaries failed at %s (%s run %s): %s', s.finished_at, s.job, s.run_id,
                    left(coalesce(s.error, 'no error recorded'), 500))
      from (select st.status, st.finished_at, st.error, st.run_id, jr.job
            from private.job_runs jr join private.job_run_steps st on st.run_id = jr.id
            where jr.job in ('refresh', 'all') and st.step = 'refresh_summaries' and st.status <> 'running'
            order by st.started_at desc
            limit 1) s
      where s.status = 'failed';
  end if;

  select * into r from private.alert_rules x where x.alert_key = 'summary_refresh_stale' and x.enabled;
  if found and r.threshold is not null and exists (
    select 1 from private.job_schedules js
    where js.enabled and js.function_name = 'refresh-views' and coalesce(js.body ->> 'job', 'refresh') in ('refresh', 'all')
  ) then
    -- The most frequent enabled schedule that refreshes them; a form cron_interval cannot read: a day.
    select coalesce(min(private.cron_interval(js.schedule)), interval '1 day') into v_interval
    from private.job_schedules js
    where js.enabled and js.function_name = 'refresh-views' and coalesce(js.body ->> 'job', 'refresh') in ('refresh', 'all');
    return query
      select r.alert_key, r.severity, 'private.' || m.matviewname,
             round(extract(epoch from v_now - sr.refreshed_at)::numeric / 60, 1),
             round(extract(epoch from v_interval * r.threshold::float8)::numeric / 60, 1),
             case when sr.refreshed_at is null then 'never refreshed (no row in private.summary_refreshes)'
                  else format('last refreshed %s, %s min ago; its schedule refreshes it every %s', sr.refreshed_at,
                              round(extract(epoch from v_now - sr.refreshed_at)::numeric / 60, 1), v_interval) end
      from pg_catalog.pg_matviews m
      left join private.summary_refreshes sr on sr.summary = m.matviewname
      where m.schemaname = 'private'
        and (sr.refreshed_at is null or sr.refreshed_at < v_now - v_interval * r.threshold::float8);
  end if;

  for r in select * from private.alert_rules x where x.alert_key in ('job_failed', 'job_partial') and x.enabled order by x.alert_key loop
    return query
      select r.alert_key, r.severity, js.name, s.failed::numeric, r.threshold,
             format('the latest %s run (%s, started %s) was %s: %s of %s steps failed: %s', lr.job, lr.trigger, lr.started_at,
                    lr.status, s.failed, s.total, left(coalesce(s.errors, 'no step recorded'), 500))
      from private.job_schedules js
      cross join lateral (
        select jr.id, jr.job, jr.trigger, jr.status, jr.started_at from private.job_runs jr
        where jr.job = coalesce(js.body ->> 'job', 'refresh') and jr.status in ('succeeded', 'partial', 'failed')
        order by jr.started_at desc
        limit 1
      ) lr
      cross join lateral (
        select count(*) filter (where st.status = 'failed') as failed, count(*) as total,
               string_agg(st.step || ': ' || left(coalesce(st.error, ''), 200), '; ' order by st.started_at) filter (where st.status = 'failed') as errors
        from private.job_run_steps st where st.run_id = lr.id
      ) s
      where js.enabled and js.function_name = 'refresh-views'
        and lr.status = case r.alert_key when 'job_failed' then 'failed' else 'partial' end::private.job_run_status;
  end loop;

  select * into r from private.alert_rules x where x.alert_key = 'ingestion_error_rate' and x.enabled;
  if found then
    return query
      select r.alert_key, r.severity, 'raw_response_ingestions', round(e.bad * 100.0 / e.ended, 2), r.threshold,
             format('%s of %s raw responses ingested in the last 24 hours that have ended went to review or failed (%s needs_review, %s failed)',
                    e.bad, e.ended, e.review, e.failed)
      from (
        -- Through the tenants, so each tenant's (tenant_id, created_at) index serves the window.
        select count(*) filter (where i.status in ('needs_review', 'failed')) as bad, count(*) as ended,
               count(*) filter (where i.status = 'needs_review') as review, count(*) filter (where i.status = 'failed') as failed
        from public.tenants t
        join public.raw_response_ingestions i on i.tenant_id = t.id
        where i.created_at >= v_now - interval '24 hours' and i.status in ('completed', 'needs_review', 'failed')
      ) e
      where e.ended > 0 and e.ended >= coalesce(r.minimum, 0) and e.bad * 100.0 / e.ended > r.threshold;
  end if;

  select * into r from private.alert_rules x where x.alert_key = 'connections' and x.enabled;
  if found then
    return query
      select r.alert_key, r.severity, 'server', c.used_pct, r.threshold,
             format('%s of %s connections in use (active %s, idle %s, idle in transaction %s)', c.connections, c.max_connections,
                    c.active, c.idle, c.idle_in_transaction)
      from private.connection_summary() c
      where c.used_pct > r.threshold;
  end if;

  select * into r from private.alert_rules x where x.alert_key = 'storage_pending_stale' and x.enabled;
  if found then
    return query
      select r.alert_key, r.severity, 'raw_response_ingestions', round(extract(epoch from v_now - min(i.created_at))::numeric / 60, 1), r.threshold,
             format('%s raw responses have waited in storage_pending over %s minutes; the oldest, %s, since %s', count(*), r.threshold,
                    (array_agg(i.id order by i.created_at))[1], min(i.created_at))
      from public.raw_response_ingestions i
      where i.status = 'storage_pending' and i.created_at < v_now - r.threshold::float8 * interval '1 minute'
      having count(*) > 0;
  end if;

  select * into r from private.alert_rules x where x.alert_key = 'rag_slo_missed' and x.enabled;
  if found then
    return query
      select r.alert_key, r.severity, coalesce(t.slug, 'platform'), null::numeric, r.threshold,
             format('RAG SLO missed on %s (%s answers): %s', h.date, h.total_queries, concat_ws('; ',
               case when h.slo_compliance -> 'citationRateMet' = 'false'::jsonb then format('citation rate %s below %s',
                 h.slo_compliance #>> '{citationRate,value}', h.slo_compliance #>> '{citationRate,target}') end,
               case when h.slo_compliance -> 'latencyMet' = 'false'::jsonb then format('latency p50 %s ms, p95 %s ms (targets %s, %s)',
                 h.slo_compliance #>> '{latencyP50,value}', h.slo_compliance #>> '{latencyP95,value}',
                 h.slo_compliance #>> '{latencyP50,target}', h.slo_compliance #>> '{latencyP95,target}') end,
               case when h.slo_compliance -> 'costMet' = 'false'::jsonb then format('cost per answer %s JPY above %s',
                 h.slo_compliance #>> '{costPerAnswer,value}', h.slo_compliance #>> '{costPerAnswer,target}') end))
      from public.rag_metrics_history h
      left join public.tenants t on t.id = h.tenant_id
      where h.date = v_today - 1 and h.slo_compliance -> 'overallMet' = 'false'::jsonb;
  end if;
end
$$;
comment on function private.evaluate_alerts() is
  'Applies every enabled rule of private.alert_rules now and returns what fires, one row per (alert_key, subject): severity, the measured value, the threshold it passed (null for rules that fire on a state) and a sentence of detail (string literals of running queries masked). Writes nothing. service_role only.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on function private.evaluate_alerts() from public, anon, authenticated;
grant execute on function private.evaluate_alerts() to service_role;

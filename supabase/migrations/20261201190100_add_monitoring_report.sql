-- Monitoring (AI assistant platform checklist, "Monitoring Setup"): what an operator reviews, as
-- functions the alert rules and `npm run ops:alerts` share. Not alerts themselves:
--   private.unused_indexes()            indexes never scanned since the statistics were last reset
--                                        (primary keys, unique and exclusion indexes left out: they
--                                        enforce constraints, scanned or not);
--   private.pg_stat_statements_status() whether pg_stat_statements can be read here (on Supabase it
--                                        is installed in schema `extensions` and preloaded; elsewhere
--                                        it may be missing, or created but not preloaded);
--   private.slow_statements(min_ms)     statements whose mean execution time is over min_ms
--                                        (default 100, the checklist's slow-query line), from
--                                        pg_stat_statements when it can be read, else no rows;
--   private.connection_summary()        client connections against max_connections, by state.
-- The two that read other sessions' queries and states are SECURITY DEFINER: their owner
-- (postgres, a member of pg_monitor on Supabase) sees them, service_role alone would see
-- "<insufficient privilege>". All are for service_role (and the owner) only.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.unused_indexes()
returns table (index_name text, table_name text, index_bytes bigint, idx_scan bigint, stats_reset timestamptz)
language sql
stable
security invoker
set search_path = ''
as $$
  select s.schemaname || '.' || s.indexrelname,
         s.schemaname || '.' || s.relname,
         pg_catalog.pg_relation_size(s.indexrelid),
         s.idx_scan,
         (select d.stats_reset from pg_catalog.pg_stat_database d where d.datname = pg_catalog.current_database())
  from pg_catalog.pg_stat_user_indexes s
  join pg_catalog.pg_index i on i.indexrelid = s.indexrelid
  where s.schemaname in ('public', 'private')
    and s.idx_scan = 0
    and not i.indisprimary and not i.indisunique and not i.indisexclusion
  order by 3 desc, 1
$$;
comment on function private.unused_indexes() is
  'Indexes in public and private with no scan since the database''s statistics were last reset (stats_reset; null: since statistics began), largest first; primary keys, unique and exclusion indexes left out. service_role only.';

create or replace function private.pg_stat_statements_status()
returns table (status text, schema_name text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_schema text;
begin
  select n.nspname into v_schema
  from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
  where e.extname = 'pg_stat_statements';
  if v_schema is null or to_regclass(format('%I.pg_stat_statements', v_schema)) is null then
    return query select 'not installed'::text, null::text;
    return;
  end if;
  begin
    execute format('select 1 from %I.pg_stat_statements(false) limit 1', v_schema);
  exception when object_not_in_prerequisite_state then
    -- Created, but the library is not in shared_preload_libraries: it has no statistics to read.
    return query select 'not loaded'::text, v_schema;
    return;
  end;
  return query select 'available'::text, v_schema;
end
$$;
comment on function private.pg_stat_statements_status() is
  'Whether pg_stat_statements can be read: status available, not installed, or not loaded (created but missing from shared_preload_libraries), and the schema it is installed in. service_role only.';

create or replace function private.slow_statements(p_min_mean_ms numeric default 100)
returns table (queryid bigint, query text, calls bigint, mean_ms numeric, total_ms numeric, rows bigint)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_status text;
  v_schema text;
begin
  if p_min_mean_ms is null then
    raise exception 'slow_statements: p_min_mean_ms is required' using errcode = '22004';
  end if;
  if p_min_mean_ms = 'NaN'::numeric or p_min_mean_ms < 0 then
    raise exception 'slow_statements: p_min_mean_ms must be 0 or more, got %', p_min_mean_ms using errcode = '22023';
  end if;
  select s.status, s.schema_name into v_status, v_schema from private.pg_stat_statements_status() s;
  if v_status <> 'available' then
    return;
  end if;
  -- One row per statement of this database (summed over the roles that ran it), slowest mean first.
  return query execute format($q$
    select s.queryid, left(min(s.query), 500), sum(s.calls)::bigint,
           round((sum(s.total_exec_time) / nullif(sum(s.calls), 0))::numeric, 1),
           round(sum(s.total_exec_time)::numeric, 1), sum(s.rows)::bigint
    from %I.pg_stat_statements s
    where s.dbid = (select d.oid from pg_catalog.pg_database d where d.datname = pg_catalog.current_database())
    group by s.queryid
    having sum(s.total_exec_time) / nullif(sum(s.calls), 0) > $1
    order by 4 desc, 1
    limit 50$q$, v_schema) using p_min_mean_ms;
end
$$;
comment on function private.slow_statements(numeric) is
  'Up to 50 statements of this database whose mean execution time since pg_stat_statements was last reset is over p_min_mean_ms (default 100), slowest first, summed over the roles that ran them: queryid, normalised text (first 500 characters), calls, mean and total ms, rows. No rows where pg_stat_statements cannot be read (private.pg_stat_statements_status). 22004 without a threshold, 22023 below 0. service_role only.';

create or replace function private.connection_summary()
returns table (
  connections integer, max_connections integer, used_pct numeric,
  active integer, idle integer, idle_in_transaction integer, other integer,
  longest_query_s numeric, longest_transaction_s numeric
)
language sql
stable
security definer
set search_path = ''
as $$
  select count(*)::integer,
         pg_catalog.current_setting('max_connections')::integer,
         round(count(*) * 100.0 / pg_catalog.current_setting('max_connections')::integer, 1),
         (count(*) filter (where a.state = 'active'))::integer,
         (count(*) filter (where a.state = 'idle'))::integer,
         (count(*) filter (where a.state like 'idle in transaction%'))::integer,
         (count(*) filter (where a.state is null or a.state not in ('active', 'idle') and a.state not like 'idle in transaction%'))::integer,
         round(extract(epoch from max(pg_catalog.clock_timestamp() - a.query_start)
                                 filter (where a.state = 'active' and a.pid <> pg_catalog.pg_backend_pid()))::numeric, 1),
         round(extract(epoch from max(pg_catalog.clock_timestamp() - a.xact_start)
                                 filter (where a.pid <> pg_catalog.pg_backend_pid()))::numeric, 1)
  from pg_catalog.pg_stat_activity a
  where a.backend_type = 'client backend'
$$;
comment on function private.connection_summary() is
  'Client connections now (all databases) against max_connections, in percent, by state (active, idle, idle in transaction, other), and the longest running query and open transaction in seconds (this session left out). service_role only.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on function private.unused_indexes() from public, anon, authenticated;
grant execute on function private.unused_indexes() to service_role;
revoke all on function private.pg_stat_statements_status() from public, anon, authenticated;
grant execute on function private.pg_stat_statements_status() to service_role;
revoke all on function private.slow_statements(numeric) from public, anon, authenticated;
grant execute on function private.slow_statements(numeric) to service_role;
revoke all on function private.connection_summary() from public, anon, authenticated;
grant execute on function private.connection_summary() to service_role;

-- Monitoring (AI assistant platform checklist, "Monitor table size growth" and "Alert on table size
-- growth (> 50% week-over-week)"): one snapshot per table per UTC day of its size, so growth can be
-- measured against a week before. private.record_table_sizes() records the day's snapshot of every
-- table and materialized view in public and private (once a day: later calls the same day add only
-- tables that have none yet); the scheduled refresh-views `monitor` step calls it every 5 minutes.
-- private.table_growth() compares each table's live size with its newest snapshot taken at least 7
-- days before today (UTC). Both are for service_role (and the owner) only.

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists private.table_size_snapshots (
  -- identity
  day date not null,
  table_name text not null,
  -- payload
  total_bytes bigint not null,
  table_bytes bigint not null,
  index_bytes bigint not null,
  row_estimate bigint not null,
  -- timestamps
  recorded_at timestamptz not null default now(),
  constraint table_size_snapshots_pkey primary key (day, table_name),
  constraint table_size_snapshots_sizes_nonnegative check (total_bytes >= 0 and table_bytes >= 0 and index_bytes >= 0),
  constraint table_size_snapshots_name_length check (char_length(table_name) between 3 and 200)
);
comment on table private.table_size_snapshots is
  'Daily size of every table and materialized view in public and private (private.record_table_sizes), for week-over-week growth (private.table_growth).';
comment on column private.table_size_snapshots.day is 'UTC day of the snapshot.';
comment on column private.table_size_snapshots.table_name is 'Schema-qualified name, e.g. public.messages.';
comment on column private.table_size_snapshots.total_bytes is 'pg_total_relation_size: heap, TOAST and indexes, bytes.';
comment on column private.table_size_snapshots.table_bytes is 'pg_table_size: heap and TOAST, bytes.';
comment on column private.table_size_snapshots.index_bytes is 'pg_indexes_size, bytes.';
comment on column private.table_size_snapshots.row_estimate is 'pg_class.reltuples (the planner''s estimate; 0 before the first ANALYZE).';
comment on column private.table_size_snapshots.recorded_at is 'When the snapshot was taken.';

-- ============================================================================
-- INDEXES
-- ============================================================================
create index if not exists table_size_snapshots_table_day_idx on private.table_size_snapshots (table_name, day desc);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.record_table_sizes()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  recorded integer;
begin
  insert into private.table_size_snapshots (day, table_name, total_bytes, table_bytes, index_bytes, row_estimate)
  select (now() at time zone 'UTC')::date,
         n.nspname || '.' || c.relname,
         pg_catalog.pg_total_relation_size(c.oid),
         pg_catalog.pg_table_size(c.oid),
         pg_catalog.pg_indexes_size(c.oid),
         greatest(c.reltuples, 0)::bigint
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('public', 'private') and c.relkind in ('r', 'm')
  on conflict (day, table_name) do nothing;
  get diagnostics recorded = row_count;
  return recorded;
end
$$;
comment on function private.record_table_sizes() is
  'Records today''s (UTC) size of every table and materialized view in public and private in private.table_size_snapshots, once per table per day (later calls the same day add only tables without a snapshot yet); returns how many rows it added. service_role only (the refresh-views monitor step).';

create or replace function private.table_growth()
returns table (
  table_name text, total_bytes bigint, row_estimate bigint,
  base_day date, base_bytes bigint, growth_pct numeric
)
language sql
stable
security invoker
set search_path = ''
as $$
  select n.nspname || '.' || c.relname,
         pg_catalog.pg_total_relation_size(c.oid),
         greatest(c.reltuples, 0)::bigint,
         b.day,
         b.total_bytes,
         round((pg_catalog.pg_total_relation_size(c.oid) - b.total_bytes) * 100.0 / nullif(b.total_bytes, 0), 1)
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join lateral (
    select s.day, s.total_bytes from private.table_size_snapshots s
    where s.table_name = n.nspname || '.' || c.relname
      and s.day <= (now() at time zone 'UTC')::date - 7
    order by s.day desc
    limit 1
  ) b on true
  where n.nspname in ('public', 'private') and c.relkind in ('r', 'm')
  order by 2 desc, 1
$$;
comment on function private.table_growth() is
  'Every table and materialized view in public and private, largest first: its live size (pg_total_relation_size), row estimate, and the growth in percent against its newest snapshot taken at least 7 days before today (UTC) (base_day, base_bytes; null without one). service_role only.';

-- ============================================================================
-- RLS AND GRANTS (service_role only: the monitor step and the operator command)
-- ============================================================================
alter table private.table_size_snapshots enable row level security;
revoke all on private.table_size_snapshots from public, anon, authenticated;
grant select on private.table_size_snapshots to service_role;

revoke all on function private.record_table_sizes() from public, anon, authenticated;
grant execute on function private.record_table_sizes() to service_role;
revoke all on function private.table_growth() from public, anon, authenticated;
grant execute on function private.table_growth() to service_role;

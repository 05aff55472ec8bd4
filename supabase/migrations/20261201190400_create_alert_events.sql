-- Alerts: the log of what fired. private.alert_events holds one event per (alert_key, subject)
-- while it fires (resolved_at null; a unique index keeps it to one), with when it opened, when it
-- was last seen firing and its latest value and detail; resolved_at is set once it no longer
-- fires, and a later firing opens a new event. private.sync_alert_events() evaluates the rules
-- (private.evaluate_alerts), opens events for new firings, refreshes the open ones still firing,
-- resolves the others, and returns what changed: the opened and resolved events, which the
-- refresh-views `monitor` step posts to ALERT_WEBHOOK_URL. It runs in the caller's transaction, so
-- a caller that cannot deliver the change rolls it back and the next run reports it again.
-- service_role (and the owner) only; the log is written only through the function.

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists private.alert_events (
  -- identity
  id uuid primary key default gen_random_uuid(),
  alert_key text not null,
  subject text not null,
  -- payload
  severity private.alert_severity not null,
  value numeric,
  threshold numeric,
  detail text not null,
  -- timestamps
  opened_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  resolved_at timestamptz,
  constraint alert_events_times_ordered check (last_seen_at >= opened_at and (resolved_at is null or resolved_at >= last_seen_at)),
  -- Not led by a BETWEEN: its AND would be merged into the list when pg_dump's text is parsed
  -- again, so a restored database would print the constraint differently (npm run verify compares).
  constraint alert_events_text_length check (
    char_length(detail) <= 2000 and char_length(alert_key) between 1 and 63 and char_length(subject) between 1 and 500)
);
comment on table private.alert_events is
  'What the alert rules fired: one open event (resolved_at null) per (alert_key, subject) while it fires, resolved once it no longer does. Written by private.sync_alert_events().';
comment on column private.alert_events.id is 'Primary key.';
comment on column private.alert_events.alert_key is 'The rule that fired (private.alert_rules.alert_key).';
comment on column private.alert_events.subject is 'What it fired about: a table, a backend (pid N), a statement (queryid N), a schedule, a tenant''s slug or platform, server.';
comment on column private.alert_events.severity is 'critical or warning, as the rule said when last seen.';
comment on column private.alert_events.value is 'The measured value when last seen (null for rules that fire on a state).';
comment on column private.alert_events.threshold is 'The threshold it passed when last seen (null for rules that fire on a state).';
comment on column private.alert_events.detail is 'What was wrong when last seen, in a sentence.';
comment on column private.alert_events.opened_at is 'When it was first seen firing.';
comment on column private.alert_events.last_seen_at is 'When it was last seen firing.';
comment on column private.alert_events.resolved_at is 'When it was first seen no longer firing; null while open.';

-- ============================================================================
-- INDEXES
-- ============================================================================
create unique index if not exists alert_events_open_key on private.alert_events (alert_key, subject) where resolved_at is null;
create index if not exists alert_events_opened_idx on private.alert_events (opened_at desc);

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.sync_alert_events()
returns table (
  change text, alert_key text, severity private.alert_severity, subject text, value numeric, threshold numeric,
  detail text, opened_at timestamptz, resolved_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  -- One at a time: two overlapping calls would both open the same new alert.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('assistant-platform:alert-events'));
  return query
    with firing as materialized (
      select distinct on (f.alert_key, f.subject) f.alert_key, f.severity, f.subject, f.value, f.threshold,
             left(coalesce(f.detail, ''), 2000) as detail
      from private.evaluate_alerts() f
      order by f.alert_key, f.subject
    ),
    refreshed as (
      update private.alert_events e
      set last_seen_at = greatest(now(), e.last_seen_at), severity = f.severity, value = f.value, threshold = f.threshold, detail = f.detail
      from firing f
      where e.resolved_at is null and e.alert_key = f.alert_key and e.subject = f.subject
      returning e.id
    ),
    opened as (
      insert into private.alert_events (alert_key, subject, severity, value, threshold, detail)
      select f.alert_key, f.subject, f.severity, f.value, f.threshold, f.detail
      from firing f
      where not exists (select 1 from private.alert_events e
                        where e.resolved_at is null and e.alert_key = f.alert_key and e.subject = f.subject)
      returning private.alert_events.*
    ),
    resolved as (
      update private.alert_events e
      set resolved_at = greatest(now(), e.last_seen_at)
      where e.resolved_at is null
        and not exists (select 1 from firing f where f.alert_key = e.alert_key and f.subject = e.subject)
      returning e.*
    )
    select 'opened'::text, o.alert_key, o.severity, o.subject, o.value, o.threshold, o.detail, o.opened_at, o.resolved_at
    from opened o
    union all
    select 'resolved'::text, x.alert_key, x.severity, x.subject, x.value, x.threshold, x.detail, x.opened_at, x.resolved_at
    from resolved x
    order by 1, 2, 4;
end
$$;
comment on function private.sync_alert_events() is
  'Evaluates the alert rules (private.evaluate_alerts) and brings private.alert_events up to date in the caller''s transaction: opens an event for each new firing, refreshes last_seen_at, severity, value, threshold and detail of open ones still firing, resolves open ones no longer firing; returns the opened and resolved events (change opened or resolved). Serialised by a transaction-level advisory lock. service_role only.';

-- ============================================================================
-- RLS AND GRANTS (service_role only: the monitor step and the operator command)
-- ============================================================================
alter table private.alert_events enable row level security;
revoke all on private.alert_events from public, anon, authenticated;
grant select on private.alert_events to service_role;

revoke all on function private.sync_alert_events() from public, anon, authenticated;
grant execute on function private.sync_alert_events() to service_role;

-- current_day_usage is read-only (issue 19): as a plain view over one table it was automatically
-- updatable, so `supabase gen types` typed Insert and Update for it although nobody may write it
-- (it is granted for reading; usage is written only by increment_usage_metrics).
-- Its FROM list now joins the one-row relation `today`, which makes the view not automatically
-- updatable (PostgreSQL updates views through exactly one relation); the planner pulls the
-- subquery up, so the plan is the same (an index scan of usage_metrics_date_idx for today).
-- Same columns, types, comments and grants, still security_invoker: callers see their rows under
-- usage_metrics' RLS as before, and the embeddings through usage_metrics' foreign keys stay.
-- A write is now refused by the rewriter, before any privilege check, with 55000 (cannot insert
-- into / update / delete from view) for every role; before, authenticated got 42501 and
-- service_role (which holds the default privileges on the view) could write usage_metrics through
-- it. The Data API answers 55000 with HTTP 500, as PostgREST does for every view Postgres cannot
-- update (raw_storage_health already). No INSTEAD OF trigger or rule is added: either would make
-- the view updatable again in the catalog, and so in the generated types.

-- ============================================================================
-- VIEWS
-- ============================================================================
create or replace view public.current_day_usage
with (security_invoker = on)
as
select m.tenant_id, m.user_id, m.date, m.input_tokens, m.output_tokens, m.total_tokens, m.cost, m.request_count, m.updated_at
from public.usage_metrics m
cross join (select current_date as day) today
where m.date = today.day;
comment on view public.current_day_usage is
  'Today''s (UTC) usage rows, under the caller''s RLS: members see their own row, tenant admins their tenant''s. Read-only (not automatically updatable).';

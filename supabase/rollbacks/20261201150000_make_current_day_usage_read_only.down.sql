-- Rollback of 20261201150000_make_current_day_usage_read_only.sql: current_day_usage is the plain
-- (automatically updatable) view of 20261121150300 again; columns, comments and grants are kept by
-- create or replace.
create or replace view public.current_day_usage
with (security_invoker = on)
as
select m.tenant_id, m.user_id, m.date, m.input_tokens, m.output_tokens, m.total_tokens, m.cost, m.request_count, m.updated_at
from public.usage_metrics m
where m.date = current_date;
comment on view public.current_day_usage is
  'Today''s (UTC) usage rows, under the caller''s RLS: members see their own row, tenant admins their tenant''s.';

-- Rollback of 20261201180300_grant_monthly_usage_summary_to_service_role.sql: the grant revoked
-- and the comment of get_monthly_usage_summary as 20261201150100 made it.

revoke execute on function private.monthly_usage_summary_for_caller(date, date) from service_role;

comment on function public.get_monthly_usage_summary(date, date) is
  'Monthly usage (tokens, cost in USD, requests, active days) between two dates, default the last 12 months, as of the last refresh of the summary, whose time every row carries in refreshed_at (null before the first recorded refresh): the caller''s own rows, or the whole tenant''s for owners and admins. 22023 when p_from is after p_to.';

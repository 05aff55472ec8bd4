-- get_monthly_usage_summary answers service_role with no rows, as get_message_feedback_summary
-- does, instead of 42501 "permission denied for function monthly_usage_summary_for_caller" (found
-- by tests/fuzz/rpc.test.ts): the public function is granted to service_role, but the SECURITY
-- DEFINER function in private it reads through was granted to authenticated only, so every
-- service_role call failed with an error its comment does not document and that names an
-- internal function. service_role may now execute it too; it filters to the caller's tenant
-- (private.current_tenant_id()), which service_role has none of, so it returns nothing. The
-- private schema is not exposed by the Data API. The comment says so.

-- ============================================================================
-- GRANTS
-- ============================================================================
grant execute on function private.monthly_usage_summary_for_caller(date, date) to service_role;

comment on function public.get_monthly_usage_summary(date, date) is
  'Monthly usage (tokens, cost in USD, requests, active days) between two dates, default the last 12 months, as of the last refresh of the summary, whose time every row carries in refreshed_at (null before the first recorded refresh): the caller''s own rows, or the whole tenant''s for owners and admins; service_role (no tenant) gets none. 22023 when p_from is after p_to.';

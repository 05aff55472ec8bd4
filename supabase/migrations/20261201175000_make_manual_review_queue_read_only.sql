-- manual_review_queue is read-only and names its tenant (issue 19's sibling of current_day_usage):
-- as a plain view over conversations it was automatically updatable, so `supabase gen types`
-- typed Insert and Update for it, and service_role (which holds the default privileges on the
-- view) could write conversations through it. Nobody should: a reviewer acts through
-- ingest-response/reparse, not by editing the queue.
-- The view now joins its tenant and adds `tenant_slug` at the end (operators reviewing as
-- service_role see every tenant's queue; a member's RLS on tenants shows their own tenant, the
-- only one whose conversations they can see). Two relations in its FROM make it not
-- automatically updatable (PostgreSQL updates views through exactly one relation): a write is
-- refused by the rewriter with 55000 for every role, and the generated types have no
-- Insert/Update. The join is on the tenant's primary key. Existing columns, their order, types and
-- comments, the ordering, security_invoker and the grants are unchanged (create or replace keeps
-- them); messages and ai_dialogue_log still embed the view through the conversation's key.

create or replace view public.manual_review_queue
with (security_invoker = on)
as
select c.id as conversation_id, c.tenant_id, c.user_id, c.title, c.raw_response_path, c.raw_response_size,
       c.parse_attempts, c.last_parse_attempt_at, c.parse_error_message, c.processing_status,
       t.slug as tenant_slug
from public.conversations c
join public.tenants t on t.id = c.tenant_id
where c.requires_manual_review
order by c.last_parse_attempt_at nulls first;
comment on view public.manual_review_queue is
  'Conversations whose raw response could not be parsed, oldest attempt first, with their tenant''s slug. Security invoker; read-only (not automatically updatable): reviewers act through ingest-response/reparse.';
comment on column public.manual_review_queue.tenant_slug is 'Its tenant''s slug.';

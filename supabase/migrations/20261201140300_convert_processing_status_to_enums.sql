-- Closed sets as enums (issue 19), the conversations aggregate: the raw-response pipeline's state
-- on a conversation becomes typed:
--   * conversations.processing_status: public.processing_status (completed, failed, needs_review,
--     pending, raw_stored, storage_pending; default pending), was text with
--     conversations_processing_status_check;
--   * conversations.parse_method_used: public.parse_method (direct, jsonrepair, manual; null until
--     a parse succeeds), was text with conversations_parse_method_check.
-- The monitoring views raw_storage_health and manual_review_queue read these columns, so they are
-- dropped and created again with the same definition, comments and grants (a column used by a
-- view cannot change type). Labels are in alphabetical order, so ORDER BY sorts as on text.
-- An unknown value is refused with 22P02 (invalid input value for enum ...) instead of 23514.
-- ingest-response writes these columns with literals and untyped parameters, which convert as
-- before. Rewrites public.conversations (one rewrite for both columns).

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.processing_status as enum ('completed', 'failed', 'needs_review', 'pending', 'raw_stored', 'storage_pending');
exception when duplicate_object then null;
end
$$;
comment on type public.processing_status is
  'Where a conversation''s latest raw LLM response is. pending: nothing ingested yet; raw_stored: the bytes are durable in storage, parsing next; storage_pending: storage was unavailable, the text waits in raw_response_ingestions; completed: parsed into messages; needs_review: parsing failed, a person must look; failed: given up for good. Declared in alphabetical order (ORDER BY sorts as text did).';

do $$
begin
  create type public.parse_method as enum ('direct', 'jsonrepair', 'manual');
exception when duplicate_object then null;
end
$$;
comment on type public.parse_method is
  'How a raw LLM response was parsed. direct: it was valid JSON; jsonrepair: it parsed after JSON repair; manual: a reviewer''s corrected payload.';

-- ============================================================================
-- VIEWS (recreated below)
-- ============================================================================
drop view if exists public.manual_review_queue;
drop view if exists public.raw_storage_health;

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
alter table public.conversations
  drop constraint if exists conversations_parse_method_check,
  drop constraint if exists conversations_processing_status_check,
  alter column processing_status drop default,
  alter column processing_status type public.processing_status using processing_status::public.processing_status,
  alter column processing_status set default 'pending',
  alter column parse_method_used type public.parse_method using parse_method_used::public.parse_method;

-- ============================================================================
-- VIEWS
-- ============================================================================
create or replace view public.raw_storage_health
with (security_invoker = on)
as
select
  c.tenant_id,
  count(*)::integer as total_conversations,
  count(*) filter (where c.raw_response_path is not null)::integer as raw_stored_count,
  count(*) filter (where c.processing_status = 'completed')::integer as completed_count,
  count(*) filter (where c.requires_manual_review)::integer as manual_review_count,
  count(*) filter (where c.processing_status = 'storage_pending')::integer as storage_pending_count,
  count(*) filter (where c.parse_method_used = 'direct')::integer as parsed_direct_count,
  count(*) filter (where c.parse_method_used = 'jsonrepair')::integer as parsed_jsonrepair_count,
  count(*) filter (where c.parse_method_used = 'manual')::integer as parsed_manual_count,
  round(100.0 * count(*) filter (where c.processing_status = 'completed')
        / nullif(count(*) filter (where c.parse_attempts > 0), 0), 2) as parse_success_rate_pct,
  coalesce(sum(c.raw_response_size), 0)::bigint as total_raw_bytes,
  round(avg(c.raw_response_size))::bigint as avg_raw_bytes,
  max(c.raw_stored_at) as last_stored_at
from public.conversations c
group by c.tenant_id;
comment on view public.raw_storage_health is 'Per tenant: raw responses stored, parsed (by method), waiting for review or for storage, parse success rate and storage used. Security invoker: callers see their own tenant.';
comment on column public.raw_storage_health.tenant_id is 'Tenant.';
comment on column public.raw_storage_health.total_conversations is 'Conversations of the tenant.';
comment on column public.raw_storage_health.raw_stored_count is 'Conversations with a raw response in storage.';
comment on column public.raw_storage_health.completed_count is 'Conversations whose raw response was parsed into messages.';
comment on column public.raw_storage_health.manual_review_count is 'Conversations waiting for manual review.';
comment on column public.raw_storage_health.storage_pending_count is 'Conversations whose raw response waits for storage to come back.';
comment on column public.raw_storage_health.parsed_direct_count is 'Parsed as valid JSON.';
comment on column public.raw_storage_health.parsed_jsonrepair_count is 'Parsed after JSON repair.';
comment on column public.raw_storage_health.parsed_manual_count is 'Parsed from a reviewer''s corrected payload.';
comment on column public.raw_storage_health.parse_success_rate_pct is 'Completed as a percentage of conversations with at least one parse attempt.';
comment on column public.raw_storage_health.total_raw_bytes is 'Bytes of raw responses in storage (latest per conversation).';
comment on column public.raw_storage_health.avg_raw_bytes is 'Average raw response size in bytes.';
comment on column public.raw_storage_health.last_stored_at is 'When the latest raw response was stored.';

create or replace view public.manual_review_queue
with (security_invoker = on)
as
select c.id as conversation_id, c.tenant_id, c.user_id, c.title, c.raw_response_path, c.raw_response_size,
       c.parse_attempts, c.last_parse_attempt_at, c.parse_error_message, c.processing_status
from public.conversations c
where c.requires_manual_review
order by c.last_parse_attempt_at nulls first;
comment on view public.manual_review_queue is 'Conversations whose raw response could not be parsed, oldest attempt first. Security invoker.';
comment on column public.manual_review_queue.conversation_id is 'The conversation to review.';
comment on column public.manual_review_queue.tenant_id is 'Its tenant.';
comment on column public.manual_review_queue.user_id is 'Its owner.';
comment on column public.manual_review_queue.title is 'Its title.';
comment on column public.manual_review_queue.raw_response_path is 'Where the raw response is stored.';
comment on column public.manual_review_queue.raw_response_size is 'Its size in bytes.';
comment on column public.manual_review_queue.parse_attempts is 'Parse attempts so far.';
comment on column public.manual_review_queue.last_parse_attempt_at is 'When parsing was last tried.';
comment on column public.manual_review_queue.parse_error_message is 'Why it failed.';
comment on column public.manual_review_queue.processing_status is 'needs_review (or failed).';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.raw_storage_health, public.manual_review_queue from anon, authenticated;
grant select on public.raw_storage_health, public.manual_review_queue to authenticated;
grant select on public.raw_storage_health, public.manual_review_queue to service_role;

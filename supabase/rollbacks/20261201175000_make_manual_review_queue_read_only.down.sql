-- Rollback of 20261201175000_make_manual_review_queue_read_only.sql: manual_review_queue is the
-- plain (automatically updatable) view of 20261201140300 again. A view cannot lose a column by
-- create or replace, so it is dropped and created again with its comments and grants as
-- 20261201140300 left them. Nothing depends on the view.
drop view public.manual_review_queue;
create view public.manual_review_queue
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

revoke all on public.manual_review_queue from anon, authenticated;
grant select on public.manual_review_queue to authenticated;
grant select on public.manual_review_queue to service_role;

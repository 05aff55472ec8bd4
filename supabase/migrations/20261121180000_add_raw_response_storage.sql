-- Zero-loss raw LLM responses: where each conversation's raw response is stored and how it was
-- parsed (the checklist's nine columns plus processing_status), the ingestion ledger that makes
-- ingest-response idempotent and keeps raw text while storage is unavailable, the private bucket
-- conversation-files with per-user folders, and the monitoring views.
--
-- processing_status: pending (nothing ingested yet) -> raw_stored (bytes durable in storage,
-- parsing next) -> completed (turns inserted as messages) | needs_review (parsing failed; a person
-- must look) | failed (gave up for good). storage_pending: storage was unavailable, the raw text
-- is kept in raw_response_ingestions until the scheduled run uploads it.

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
alter table public.conversations
  add column if not exists raw_response_url text,
  add column if not exists raw_response_path text,
  add column if not exists raw_response_size bigint,
  add column if not exists raw_stored_at timestamptz,
  add column if not exists parse_attempts integer not null default 0,
  add column if not exists last_parse_attempt_at timestamptz,
  add column if not exists parse_error_message text,
  add column if not exists parse_method_used text,
  add column if not exists requires_manual_review boolean not null default false,
  add column if not exists processing_status text not null default 'pending';

alter table public.conversations
  add constraint conversations_parse_method_check check (parse_method_used is null or parse_method_used in ('direct', 'jsonrepair', 'manual')),
  add constraint conversations_processing_status_check check (processing_status in ('pending', 'raw_stored', 'storage_pending', 'completed', 'needs_review', 'failed')),
  add constraint conversations_parse_attempts_nonnegative check (parse_attempts >= 0),
  add constraint conversations_raw_size_nonnegative check (raw_response_size is null or raw_response_size >= 0),
  add constraint conversations_parse_error_length check (parse_error_message is null or char_length(parse_error_message) <= 2000);

comment on column public.conversations.raw_response_url is 'Storage URL of the latest raw LLM response (bucket conversation-files).';
comment on column public.conversations.raw_response_path is 'Object path of the latest raw response: raw/<user id>/<conversation id>/<file>.json.';
comment on column public.conversations.raw_response_size is 'Size in bytes of the latest raw response.';
comment on column public.conversations.raw_stored_at is 'When the latest raw response became durable in storage.';
comment on column public.conversations.parse_attempts is 'How many times a raw response of this conversation was parsed.';
comment on column public.conversations.last_parse_attempt_at is 'When the latest parse attempt ran.';
comment on column public.conversations.parse_error_message is 'Why the latest parse failed (null after a success).';
comment on column public.conversations.parse_method_used is 'How the latest successful parse worked: direct (valid JSON), jsonrepair (repaired), manual (a reviewer''s corrected payload).';
comment on column public.conversations.requires_manual_review is 'True while the raw response could not be parsed and waits for a reviewer.';
comment on column public.conversations.processing_status is 'pending, raw_stored, storage_pending, completed, needs_review or failed (see the migration header).';

create table if not exists public.raw_response_ingestions (
  -- identity
  id uuid primary key default gen_random_uuid(),
  -- relationships
  tenant_id uuid not null references public.tenants (id) on delete cascade,
  conversation_id uuid not null,
  user_id uuid not null,
  -- payload
  dedupe_key text not null,
  content_sha256 text not null,
  size_bytes bigint not null,
  storage_path text,
  pending_raw_text text,
  model text,
  finish_reason text,
  usage jsonb,
  usage_recorded_at timestamptz,
  status text not null,
  result jsonb,
  attempts integer not null default 0,
  last_error text,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint raw_response_ingestions_dedupe_key unique (conversation_id, dedupe_key),
  constraint raw_response_ingestions_conversation_fkey foreign key (conversation_id, tenant_id)
    references public.conversations (id, tenant_id) on delete cascade,
  constraint raw_response_ingestions_status_check check (status in ('storage_pending', 'raw_stored', 'completed', 'needs_review', 'failed')),
  constraint raw_response_ingestions_durable check (storage_path is not null or pending_raw_text is not null),
  constraint raw_response_ingestions_sha_format check (content_sha256 ~ '^[0-9a-f]{64}$'),
  constraint raw_response_ingestions_dedupe_length check (char_length(dedupe_key) between 1 and 200),
  constraint raw_response_ingestions_size_nonnegative check (size_bytes >= 0 and attempts >= 0)
);
comment on table public.raw_response_ingestions is 'One ingested raw LLM response: where its bytes are (or the text itself while storage is unavailable), whether its usage was counted, and the answer given, so a retry returns the same result.';
comment on column public.raw_response_ingestions.id is 'Primary key.';
comment on column public.raw_response_ingestions.tenant_id is 'Tenant of the conversation.';
comment on column public.raw_response_ingestions.conversation_id is 'The conversation the response belongs to.';
comment on column public.raw_response_ingestions.user_id is 'Owner of the conversation (the folder the bytes go to).';
comment on column public.raw_response_ingestions.dedupe_key is 'The caller''s idempotency_key, or sha256 of the bytes: the same key twice is one ingestion.';
comment on column public.raw_response_ingestions.content_sha256 is 'SHA-256 of the raw bytes (hex).';
comment on column public.raw_response_ingestions.size_bytes is 'Size of the raw response in bytes.';
comment on column public.raw_response_ingestions.storage_path is 'Object path in conversation-files once stored; null while storage_pending.';
comment on column public.raw_response_ingestions.pending_raw_text is 'The raw text, kept only while storage was unavailable; cleared once uploaded.';
comment on column public.raw_response_ingestions.model is 'Model that produced the response.';
comment on column public.raw_response_ingestions.finish_reason is 'Why the model stopped (stop, length, max_tokens...).';
comment on column public.raw_response_ingestions.usage is 'Usage reported with the response: {input_tokens, output_tokens, cost}.';
comment on column public.raw_response_ingestions.usage_recorded_at is 'When the usage was added to usage_metrics (once per ingestion).';
comment on column public.raw_response_ingestions.status is 'storage_pending, raw_stored, completed, needs_review or failed.';
comment on column public.raw_response_ingestions.result is 'The answer ingest-response gave, returned again on retries.';
comment on column public.raw_response_ingestions.attempts is 'Parse attempts of this response.';
comment on column public.raw_response_ingestions.last_error is 'Latest storage or parse error.';
comment on column public.raw_response_ingestions.created_at is 'When the response was first received.';
comment on column public.raw_response_ingestions.updated_at is 'When the row last changed (kept by trigger).';

-- ============================================================================
-- INDEXES
-- ============================================================================
create index if not exists idx_conversations_requires_review
  on public.conversations (tenant_id, last_parse_attempt_at) where requires_manual_review;
create index if not exists idx_conversations_parse_attempts
  on public.conversations (parse_attempts) where parse_attempts > 0;
create index if not exists raw_response_ingestions_pending_idx
  on public.raw_response_ingestions (created_at) where status = 'storage_pending';
create index if not exists raw_response_ingestions_tenant_created_idx
  on public.raw_response_ingestions (tenant_id, created_at desc);

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger raw_response_ingestions_set_updated_at
  before update on public.raw_response_ingestions
  for each row execute function private.set_updated_at();

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
-- RLS
-- ============================================================================
alter table public.raw_response_ingestions enable row level security;

drop policy if exists raw_response_ingestions_select on public.raw_response_ingestions;
create policy raw_response_ingestions_select on public.raw_response_ingestions
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy raw_response_ingestions_select on public.raw_response_ingestions is 'Members read their tenant''s ingestions; only service_role (ingest-response) writes.';

-- ============================================================================
-- STORAGE
-- ============================================================================
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('conversation-files', 'conversation-files', false, 10485760, array['application/json', 'text/plain'])
on conflict (id) do nothing;

drop policy if exists "conversation-files: users upload raw responses to their folder" on storage.objects;
create policy "conversation-files: users upload raw responses to their folder" on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'conversation-files'
    and (storage.foldername(name))[1] = 'raw'
    and (storage.foldername(name))[2] = (select auth.uid()::text)
  );
drop policy if exists "conversation-files: users read raw responses in their folder" on storage.objects;
create policy "conversation-files: users read raw responses in their folder" on storage.objects
  for select to authenticated
  using (
    bucket_id = 'conversation-files'
    and (storage.foldername(name))[1] = 'raw'
    and (storage.foldername(name))[2] = (select auth.uid()::text)
  );

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.raw_response_ingestions, public.raw_storage_health, public.manual_review_queue from anon, authenticated;
grant select on public.raw_response_ingestions, public.raw_storage_health, public.manual_review_queue to authenticated;
grant select, insert, update, delete on public.raw_response_ingestions to service_role;
grant select on public.raw_storage_health, public.manual_review_queue to service_role;

-- Closed sets as enums (issue 19), the raw_response_ingestions aggregate: status becomes
-- public.ingestion_status (completed, failed, needs_review, raw_stored, receiving,
-- storage_pending), was text with raw_response_ingestions_status_check. The durability check and
-- the two partial indexes that compare status (pending uploads, stale claims) are created again with
-- the same definitions, their literals now typed by the enum; private.pending_raw_ingestions still
-- finds its rows through them. Labels are in alphabetical order, so ORDER BY sorts as on text.
-- An unknown status is refused with 22P02 (invalid input value for enum ingestion_status) instead
-- of 23514 naming raw_response_ingestions_status_check. Only service_role writes this table
-- (ingest-response, with literals and untyped parameters). Rewrites public.raw_response_ingestions.

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.ingestion_status as enum ('completed', 'failed', 'needs_review', 'raw_stored', 'receiving', 'storage_pending');
exception when duplicate_object then null;
end
$$;
comment on type public.ingestion_status is
  'Where one ingested raw LLM response is. receiving: its dedupe key is claimed and the bytes are being uploaded (updated_at is the heartbeat); storage_pending: storage was unavailable, the text is kept in the row; raw_stored: the bytes are in storage; completed: parsed into messages; needs_review: parsing failed; failed: given up for good. Declared in alphabetical order (ORDER BY sorts as text did).';

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
drop index if exists public.raw_response_ingestions_pending_idx;
drop index if exists public.raw_response_ingestions_receiving_idx;

alter table public.raw_response_ingestions
  drop constraint if exists raw_response_ingestions_status_check,
  drop constraint if exists raw_response_ingestions_durable,
  alter column status type public.ingestion_status using status::public.ingestion_status,
  add constraint raw_response_ingestions_durable
    check (status = 'receiving' or storage_path is not null or pending_raw_text is not null);
comment on constraint raw_response_ingestions_durable on public.raw_response_ingestions is
  'Past receiving, the bytes are somewhere: in storage (storage_path) or kept in the row (pending_raw_text).';

-- ============================================================================
-- INDEXES
-- ============================================================================
create index if not exists raw_response_ingestions_pending_idx
  on public.raw_response_ingestions (created_at) where status = 'storage_pending';
create index if not exists raw_response_ingestions_receiving_idx
  on public.raw_response_ingestions (updated_at) where status = 'receiving';
comment on index public.raw_response_ingestions_receiving_idx is
  'Finds stale claims: receiving rows by heartbeat (updated_at older than a minute may be taken over).';

-- Ingestion claims: ingest-response claims the dedupe key before uploading, so concurrent duplicates
-- of one response never upload twice. The claim is a raw_response_ingestions row with status
-- receiving, inserted on the unique (conversation_id, dedupe_key) before the upload: only the
-- attempt whose insert succeeds uploads; a concurrent duplicate finds the claim instead.
--
-- status: receiving (the dedupe key is claimed and the bytes are being uploaded; the row holds
-- neither storage_path nor pending_raw_text yet) -> raw_stored | storage_pending, then completed |
-- needs_review | failed as before. While receiving, updated_at is the claim's heartbeat (any update
-- of the row by the claimer renews it, through the updated_at trigger); a receiving row whose
-- updated_at is more than a minute old is stale (its claimer stopped) and may be taken over.

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
alter table public.raw_response_ingestions
  drop constraint if exists raw_response_ingestions_status_check,
  add constraint raw_response_ingestions_status_check
    check (status in ('receiving', 'storage_pending', 'raw_stored', 'completed', 'needs_review', 'failed')),
  drop constraint if exists raw_response_ingestions_durable,
  add constraint raw_response_ingestions_durable
    check (status = 'receiving' or storage_path is not null or pending_raw_text is not null);
comment on constraint raw_response_ingestions_status_check on public.raw_response_ingestions is
  'receiving, storage_pending, raw_stored, completed, needs_review or failed.';
comment on constraint raw_response_ingestions_durable on public.raw_response_ingestions is
  'Past receiving, the bytes are somewhere: in storage (storage_path) or kept in the row (pending_raw_text).';

comment on column public.raw_response_ingestions.status is 'receiving (dedupe key claimed, bytes being uploaded; updated_at is the heartbeat, stale after a minute and then taken over), storage_pending, raw_stored, completed, needs_review or failed.';
comment on column public.raw_response_ingestions.storage_path is 'Object path in conversation-files once stored; null while receiving or storage_pending.';
comment on column public.raw_response_ingestions.updated_at is 'When the row last changed (kept by trigger); while receiving, the claim''s heartbeat: older than a minute means the claim is stale.';

-- ============================================================================
-- INDEXES
-- ============================================================================
create index if not exists raw_response_ingestions_receiving_idx
  on public.raw_response_ingestions (updated_at) where status = 'receiving';
comment on index public.raw_response_ingestions_receiving_idx is
  'Finds stale claims: receiving rows by heartbeat (updated_at older than a minute may be taken over).';

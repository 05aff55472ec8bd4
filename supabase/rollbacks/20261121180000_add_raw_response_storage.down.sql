-- Rollback of 20261121180000_add_raw_response_storage.sql. Stored objects stay in the bucket only
-- if they exist: the bucket and its rows are removed (as the Storage API would allow).
drop policy if exists "conversation-files: users upload raw responses to their folder" on storage.objects;
drop policy if exists "conversation-files: users read raw responses in their folder" on storage.objects;
select set_config('storage.allow_delete_query', 'true', true);
delete from storage.objects where bucket_id = 'conversation-files';
delete from storage.buckets where id = 'conversation-files';
drop view if exists public.manual_review_queue;
drop view if exists public.raw_storage_health;
drop table if exists public.raw_response_ingestions;
alter table public.conversations
  drop constraint if exists conversations_parse_method_check,
  drop constraint if exists conversations_processing_status_check,
  drop constraint if exists conversations_parse_attempts_nonnegative,
  drop constraint if exists conversations_raw_size_nonnegative,
  drop constraint if exists conversations_parse_error_length,
  drop column if exists raw_response_url,
  drop column if exists raw_response_path,
  drop column if exists raw_response_size,
  drop column if exists raw_stored_at,
  drop column if exists parse_attempts,
  drop column if exists last_parse_attempt_at,
  drop column if exists parse_error_message,
  drop column if exists parse_method_used,
  drop column if exists requires_manual_review,
  drop column if exists processing_status;

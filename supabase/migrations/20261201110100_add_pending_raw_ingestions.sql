-- Which raw responses are pending, in one place: private.pending_raw_ingestions lists the
-- ingestions that ingest-response/resume should continue, oldest first: those kept in the row while
-- storage was down (storage_pending) and claims abandoned for 5 minutes (receiving, no heartbeat).
-- The refresh-views edge function and scripts/ops/jobs/upload-pending-responses.ts both read it
-- instead of repeating the query. Who may call it: service_role (and the owner); nobody else.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.pending_raw_ingestions(p_limit integer)
returns table (id uuid, conversation_id uuid)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_limit is null then
    raise exception 'pending_raw_ingestions: p_limit is required' using errcode = '22004';
  end if;
  if p_limit < 1 then
    raise exception 'pending_raw_ingestions: p_limit must be at least 1, got %', p_limit using errcode = '22023';
  end if;
  -- Each branch has its partial index: raw_response_ingestions_pending_idx (created_at) and
  -- raw_response_ingestions_receiving_idx (updated_at).
  return query
    select r.id, r.conversation_id
    from public.raw_response_ingestions r
    where r.status = 'storage_pending'
       or (r.status = 'receiving' and r.updated_at < now() - interval '5 minutes')
    order by r.created_at
    limit p_limit;
end
$$;
comment on function private.pending_raw_ingestions(integer) is
  'Raw responses to continue with ingest-response/resume, oldest first, at most p_limit: storage_pending ones and claims (receiving) without a heartbeat for 5 minutes. Returns id and conversation_id. 22004 without a limit, 22023 below 1. service_role only.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on function private.pending_raw_ingestions(integer) from public, anon, authenticated;
grant execute on function private.pending_raw_ingestions(integer) to service_role;

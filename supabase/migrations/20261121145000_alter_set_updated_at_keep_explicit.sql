-- set_updated_at keeps an updated_at that the statement sets explicitly (back-fills, the seed,
-- the messages trigger stamping a conversation with its newest message's time) and stamps now()
-- otherwise. Clients cannot take advantage: no table grants them UPDATE on updated_at.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.updated_at is not distinct from old.updated_at then
    new.updated_at := now();
  end if;
  return new;
end
$$;
comment on function private.set_updated_at() is
  'Trigger function shared by every table with an updated_at column: sets it to now() on update, unless the statement set it explicitly.';

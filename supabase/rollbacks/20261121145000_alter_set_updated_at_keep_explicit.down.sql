-- Rollback of 20261121145000_alter_set_updated_at_keep_explicit.sql: back to always stamping now().
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function private.set_updated_at() is
  'Trigger function shared by every table with an updated_at column: sets it to now() on update.';

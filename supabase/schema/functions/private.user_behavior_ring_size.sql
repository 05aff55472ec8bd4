create or replace function private.user_behavior_ring_size()
returns integer
language sql
immutable
set search_path = ''
as $$
  select 50
$$;

-- Realtime: a chat client subscribes to postgres_changes on its conversations (title, processing
-- status, last_message_at) and their messages. Supabase Realtime streams the tables of the
-- `supabase_realtime` publication and checks each subscriber's RLS before sending a change, so
-- clients see only their tenant's rows. Hosted projects have the publication (empty); it is created
-- where missing (the local stack, a plain PostgreSQL). Adding a table that is already in it is
-- skipped, so re-applying changes nothing. Replica identity stays the primary key: UPDATE and
-- DELETE events carry the key of the old row, not its other columns.
do $$
declare
  t text;
begin
  if not exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  foreach t in array array['conversations', 'messages'] loop
    if not exists (
      select 1 from pg_catalog.pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = t
    ) then
      execute format('alter publication supabase_realtime add table public.%I', t);
    end if;
  end loop;
end
$$;

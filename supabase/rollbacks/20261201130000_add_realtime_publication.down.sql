-- Takes conversations and messages out of supabase_realtime. The publication itself stays: hosted
-- projects have it from the start, and other tables may be in it.
do $$
declare
  t text;
begin
  foreach t in array array['conversations', 'messages'] loop
    if exists (
      select 1 from pg_catalog.pg_publication_tables
      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = t
    ) then
      execute format('alter publication supabase_realtime drop table public.%I', t);
    end if;
  end loop;
end
$$;

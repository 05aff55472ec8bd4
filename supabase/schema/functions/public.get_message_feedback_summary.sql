create or replace function public.get_message_feedback_summary(p_message_ids uuid[])
returns table (
  message_id uuid, up_count integer, down_count integer, feedback_count integer,
  average_rating numeric, last_feedback_at timestamptz
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_message_ids is null or cardinality(p_message_ids) = 0 or cardinality(p_message_ids) > 1000 then
    raise exception 'get_message_feedback_summary: pass between 1 and 1000 message ids'
      using errcode = '22023';
  end if;
  -- Live: an index scan of feedback_message_user_key for the ids, in the caller's tenant (and
  -- under feedback's RLS), so the counts include every rating committed before this call.
  return query
    select f.message_id,
           (count(*) filter (where f.rating = 1))::integer,
           (count(*) filter (where f.rating = -1))::integer,
           count(*)::integer,
           round(avg(f.rating), 4),
           max(f.updated_at)
    from public.feedback f
    where f.message_id = any (p_message_ids)
      and f.tenant_id = (select private.current_tenant_id())
    group by f.message_id
    order by f.message_id;
end
$$;

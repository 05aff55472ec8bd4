create or replace function public.atomic_update_user_behavior(
  p_organization_id uuid,
  p_platform public.moderation_platform,
  p_platform_user_id text,
  p_platform_username text,
  p_violation_data jsonb
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  return private.record_user_behavior_violation(p_organization_id, p_platform, p_platform_user_id, p_platform_username, p_violation_data);
end
$$;

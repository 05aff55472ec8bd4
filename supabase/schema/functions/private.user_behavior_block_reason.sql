create or replace function private.user_behavior_block_reason(
  p_severity public.violation_severity,
  p_severity_count integer,
  p_total integer
)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  -- On the path of every violation: plain comparisons, no query.
  if p_severity is null or p_severity_count is null or p_total is null then
    raise exception 'user_behavior_block_reason: severity, severity count and total are required'
      using errcode = '22004';
  end if;
  if p_severity_count < 1 or p_total < 1 then
    raise exception 'user_behavior_block_reason: the counts include the violation, so they are at least 1 (got % and %)',
      p_severity_count, p_total using errcode = '22023';
  end if;
  -- The blocking rule: a violation blocks its account when it is its first critical one, its third
  -- high one, or its tenth in all.
  return case
    when p_severity = 'critical' and p_severity_count >= 1 then 'critical violation'
    when p_severity = 'high' and p_severity_count >= 3 then 'three high-severity violations'
    when p_total >= 10 then 'ten violations'
  end;
end
$$;

-- Closed sets as enums (issue 19), the messages aggregate: messages.role becomes
-- public.message_role instead of text with the CHECK messages_role_check. The generated types
-- give clients the union 'assistant' | 'system' | 'tool' | 'user', and a write is checked from
-- the type cache instead of by re-evaluating a CHECK on every insert into this hot table.
--
-- Labels are declared in alphabetical order, so ORDER BY role sorts exactly as it did on text;
-- the order means nothing else (do not compare roles with < or >).
--
-- What changes for callers: a value outside the set is refused with 22P02 (invalid input value
-- for enum message_role: "..."), not 23514. Untyped values (supabase-js, the Data API, postgres.js
-- parameters, SQL literals) are converted as before; an expression typed text must be cast
-- (role::public.message_role), because text is not assignable to an enum without a cast.
-- The conversion rewrites the table (an ACCESS EXCLUSIVE lock for its duration).

-- ============================================================================
-- TYPES
-- ============================================================================
do $$
begin
  create type public.message_role as enum ('assistant', 'system', 'tool', 'user');
exception when duplicate_object then null;
end
$$;
comment on type public.message_role is
  'Who speaks in a message. assistant: the model''s answer; system: the system prompt; tool: a tool''s output fed back to the model; user: the end user. Declared in alphabetical order (ORDER BY sorts as text did).';

-- ============================================================================
-- TABLE CHANGES
-- ============================================================================
alter table public.messages
  drop constraint if exists messages_role_check,
  alter column role type public.message_role using role::public.message_role;

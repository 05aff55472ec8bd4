-- The RAG dialogue log: every answer with its query, citations, latency, tokens and cost, the
-- raw material of the daily RAG metrics and of the provenance of AI responses.
--
-- Who may do what (authenticated):
--   select  members read their tenant's log;
--   insert  users log their own dialogues in their tenant (service_role logs for anyone);
--   update, delete  service_role only: the log is append-only for clients.

-- ============================================================================
-- FUNCTIONS
-- ============================================================================
create or replace function private.citations_are_valid(p_citations jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select jsonb_typeof(p_citations) = 'array'
     and jsonb_array_length(p_citations) <= 100
     and not exists (
       select 1 from jsonb_array_elements(p_citations) c
       where jsonb_typeof(c) <> 'object'
          or jsonb_typeof(c -> 'source') is distinct from 'string' or char_length(c ->> 'source') not between 1 and 2048
          or jsonb_typeof(c -> 'sourceType') is distinct from 'string' or char_length(c ->> 'sourceType') not between 1 and 50
          or jsonb_typeof(c -> 'excerpt') is distinct from 'string' or char_length(c ->> 'excerpt') > 5000
          or jsonb_typeof(c -> 'confidence') is distinct from 'number' or (c ->> 'confidence')::numeric not between 0 and 1
          or jsonb_typeof(c -> 'timestamp') is distinct from 'string'
          or (c ->> 'timestamp') !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$'
     )
$$;
comment on function private.citations_are_valid(jsonb) is
  'True when a citations value is an array (up to 100) of objects with source (string), sourceType (string), excerpt (string, up to 5000 characters), confidence (number 0-1) and timestamp (ISO 8601 string). Used by the ai_dialogue_log check.';
revoke all on function private.citations_are_valid(jsonb) from public;
grant execute on function private.citations_are_valid(jsonb) to authenticated, service_role;

-- ============================================================================
-- TABLE
-- ============================================================================
create table if not exists public.ai_dialogue_log (
  -- identity
  id uuid primary key default gen_random_uuid(),
  -- relationships
  tenant_id uuid not null default private.current_tenant_id() references public.tenants (id) on delete cascade,
  user_id uuid default auth.uid(),
  session_id text not null,
  conversation_id uuid,
  message_id uuid,
  -- payload
  query text not null,
  response text not null,
  model_used text not null,
  citations jsonb not null default '[]'::jsonb,
  latency_ms integer,
  token_cost_jpy numeric(12, 4),
  citation_rate numeric(5, 4),
  prompt_tokens integer,
  completion_tokens integer,
  -- timestamps
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ai_dialogue_log_id_tenant_id_key unique (id, tenant_id),
  constraint fk_ai_dialogue_user foreign key (user_id, tenant_id)
    references public.users (id, tenant_id) on delete set null (user_id),
  constraint ai_dialogue_log_conversation_fkey foreign key (conversation_id, tenant_id)
    references public.conversations (id, tenant_id) on delete set null (conversation_id),
  constraint ai_dialogue_log_message_fkey foreign key (message_id, tenant_id)
    references public.messages (id, tenant_id) on delete set null (message_id),
  constraint ai_dialogue_log_session_id_length check (char_length(session_id) between 1 and 200),
  constraint ai_dialogue_log_query_length check (char_length(query) between 1 and 20000),
  constraint ai_dialogue_log_response_length check (char_length(response) <= 100000),
  constraint ai_dialogue_log_model_length check (char_length(model_used) between 1 and 100),
  constraint ai_dialogue_log_citations_valid check (private.citations_are_valid(citations)),
  constraint ai_dialogue_log_latency_nonnegative check (latency_ms is null or latency_ms >= 0),
  constraint ai_dialogue_log_cost_nonnegative check (token_cost_jpy is null or token_cost_jpy >= 0),
  constraint ai_dialogue_log_citation_rate_range check (citation_rate is null or citation_rate between 0 and 1),
  constraint ai_dialogue_log_tokens_nonnegative check (coalesce(prompt_tokens, 0) >= 0 and coalesce(completion_tokens, 0) >= 0)
);
comment on table public.ai_dialogue_log is 'One RAG answer: the query, the response, its citations, latency, tokens and cost. Append-only for clients.';
comment on column public.ai_dialogue_log.id is 'Primary key; the content_id of the answer''s provenance record (content_type ai_response).';
comment on column public.ai_dialogue_log.tenant_id is 'Tenant of the dialogue; defaults to the caller''s tenant.';
comment on column public.ai_dialogue_log.user_id is 'User who asked (same tenant, foreign key fk_ai_dialogue_user); null once the user is removed.';
comment on column public.ai_dialogue_log.session_id is 'Client session or request correlation id, 1-200 characters.';
comment on column public.ai_dialogue_log.conversation_id is 'Conversation the answer belongs to, if any (same tenant).';
comment on column public.ai_dialogue_log.message_id is 'Assistant message holding the answer, if any (same tenant).';
comment on column public.ai_dialogue_log.query is 'The user''s question, 1-20,000 characters.';
comment on column public.ai_dialogue_log.response is 'The answer, up to 100,000 characters.';
comment on column public.ai_dialogue_log.model_used is 'Model that produced the answer.';
comment on column public.ai_dialogue_log.citations is 'Array of {source, sourceType, excerpt, confidence (0-1), timestamp (ISO 8601)}; anything else is rejected.';
comment on column public.ai_dialogue_log.latency_ms is 'End-to-end answer latency in milliseconds.';
comment on column public.ai_dialogue_log.token_cost_jpy is 'Cost of the answer in Japanese yen.';
comment on column public.ai_dialogue_log.citation_rate is 'Share (0-1) of the answer''s statements backed by a citation, as measured by the pipeline.';
comment on column public.ai_dialogue_log.prompt_tokens is 'Prompt tokens of the LLM call(s).';
comment on column public.ai_dialogue_log.completion_tokens is 'Completion tokens of the LLM call(s).';
comment on column public.ai_dialogue_log.created_at is 'When the answer was given.';
comment on column public.ai_dialogue_log.updated_at is 'When the row last changed (kept by trigger).';

-- ============================================================================
-- INDEXES
-- ============================================================================
-- A user's recent dialogues.
create index if not exists idx_ai_dialogue_user_created on public.ai_dialogue_log (user_id, created_at desc);
-- Platform-wide windows (the 7-day aggregation, the daily metrics job).
create index if not exists idx_ai_dialogue_created_at on public.ai_dialogue_log (created_at);
-- A tenant's windows and the tenant's daily metrics.
create index if not exists idx_ai_dialogue_tenant_created on public.ai_dialogue_log (tenant_id, created_at);
create index if not exists ai_dialogue_log_conversation_idx on public.ai_dialogue_log (conversation_id, tenant_id) where conversation_id is not null;
create index if not exists ai_dialogue_log_message_idx on public.ai_dialogue_log (message_id, tenant_id) where message_id is not null;

-- ============================================================================
-- TRIGGERS
-- ============================================================================
create or replace trigger ai_dialogue_log_set_updated_at
  before update on public.ai_dialogue_log
  for each row execute function private.set_updated_at();

-- ============================================================================
-- RLS (drop-then-create keeps the migration re-runnable)
-- ============================================================================
alter table public.ai_dialogue_log enable row level security;

drop policy if exists ai_dialogue_log_select on public.ai_dialogue_log;
create policy ai_dialogue_log_select on public.ai_dialogue_log
  for select to authenticated
  using (tenant_id = (select private.current_tenant_id()));
comment on policy ai_dialogue_log_select on public.ai_dialogue_log is 'Members read their tenant''s dialogue log.';

drop policy if exists ai_dialogue_log_insert on public.ai_dialogue_log;
create policy ai_dialogue_log_insert on public.ai_dialogue_log
  for insert to authenticated
  with check (tenant_id = (select private.current_tenant_id()) and user_id = (select auth.uid()));
comment on policy ai_dialogue_log_insert on public.ai_dialogue_log is 'Users log their own dialogues in their own tenant.';

-- ============================================================================
-- GRANTS
-- ============================================================================
revoke all on public.ai_dialogue_log from anon, authenticated;
grant select on public.ai_dialogue_log to authenticated;
grant insert (id, tenant_id, user_id, session_id, conversation_id, message_id, query, response, model_used, citations,
              latency_ms, token_cost_jpy, citation_rate, prompt_tokens, completion_tokens)
  on public.ai_dialogue_log to authenticated;
grant select, insert, update, delete on public.ai_dialogue_log to service_role;

-- Deterministic demo and test data: fixed UUIDs and timestamps, safe to run again.
--
--   3 tenants (slugs test-*), 6 accounts with profiles (two per tenant: an admin and a member),
--   7 conversations, 14 messages, 7 feedback rows, 11 usage_metrics rows.
--
-- `delete from public.tenants where slug like 'test-%'` removes everything that belongs to them
-- (profiles, conversations, messages, feedback, usage) by cascade; the accounts in auth.users
-- stay. Every account's password is "password123" (for `supabase start`, where GoTrue signs
-- them in); the hash uses a fixed salt so the seed is byte-for-byte stable.
--
-- Id scheme: 1000...000N tenants, 2000...000N users, 3000...000N conversations,
-- 4000...00NN messages, 5000...000N feedback.

-- ============================================================================
-- TENANTS
-- ============================================================================
insert into public.tenants (id, slug, name, plan, created_at, updated_at) values
  ('10000000-0000-4000-8000-000000000001', 'test-acme', 'Acme Customer Support', 'pro', '2026-11-02 09:00:00+00', '2026-11-02 09:00:00+00'),
  ('10000000-0000-4000-8000-000000000002', 'test-globex', 'Globex Research Lab', 'free', '2026-11-03 09:00:00+00', '2026-11-03 09:00:00+00'),
  ('10000000-0000-4000-8000-000000000003', 'test-initech', 'Initech Legal', 'enterprise', '2026-11-04 09:00:00+00', '2026-11-04 09:00:00+00')
on conflict (id) do nothing;

-- ============================================================================
-- ACCOUNTS (auth.users + email identities) AND PROFILES
-- ============================================================================
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  confirmation_token, recovery_token, email_change_token_new, email_change,
  raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at
)
select
  '00000000-0000-0000-0000-000000000000', v.id, 'authenticated', 'authenticated', v.email,
  extensions.crypt('password123', '$2a$06$apSeedSaltForLocalDevX'), v.at,
  '', '', '', '',
  '{"provider": "email", "providers": ["email"]}'::jsonb,
  jsonb_build_object('display_name', v.display_name), false, v.at, v.at
from (values
  ('20000000-0000-4000-8000-000000000001'::uuid, 'alice@acme.test', 'Alice Moreau', '2026-11-02 09:05:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000002'::uuid, 'bob@acme.test', 'Bob Okafor', '2026-11-02 09:10:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000003'::uuid, 'carol@globex.test', 'Carol Nakamura', '2026-11-03 09:05:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000004'::uuid, 'dave@globex.test', 'Dave Lindqvist', '2026-11-03 09:10:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000005'::uuid, 'erin@initech.test', 'Erin Castillo', '2026-11-04 09:05:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000006'::uuid, 'frank@initech.test', 'Frank Adeyemi', '2026-11-04 09:10:00+00'::timestamptz)
) as v (id, email, display_name, at)
on conflict (id) do nothing;

insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id, u.id::text, u.id,
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true),
       'email', u.created_at, u.created_at, u.created_at
from auth.users u
where u.id between '20000000-0000-4000-8000-000000000001' and '20000000-0000-4000-8000-000000000006'
on conflict (provider_id, provider) do nothing;

insert into public.users (id, tenant_id, role, display_name, email, created_at, updated_at)
select v.id, v.tenant_id, v.role::public.tenant_role, au.raw_user_meta_data ->> 'display_name', au.email, au.created_at, au.created_at
from (values
  ('20000000-0000-4000-8000-000000000001'::uuid, '10000000-0000-4000-8000-000000000001'::uuid, 'admin'),
  ('20000000-0000-4000-8000-000000000002'::uuid, '10000000-0000-4000-8000-000000000001'::uuid, 'member'),
  ('20000000-0000-4000-8000-000000000003'::uuid, '10000000-0000-4000-8000-000000000002'::uuid, 'admin'),
  ('20000000-0000-4000-8000-000000000004'::uuid, '10000000-0000-4000-8000-000000000002'::uuid, 'member'),
  ('20000000-0000-4000-8000-000000000005'::uuid, '10000000-0000-4000-8000-000000000003'::uuid, 'admin'),
  ('20000000-0000-4000-8000-000000000006'::uuid, '10000000-0000-4000-8000-000000000003'::uuid, 'member')
) as v (id, tenant_id, role)
join auth.users au on au.id = v.id
on conflict (id) do nothing;

-- ============================================================================
-- CONVERSATIONS
-- ============================================================================
insert into public.conversations (id, tenant_id, user_id, title, model, is_archived, metadata, created_at, updated_at) values
  ('30000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001',
   'Resetting a customer''s two-factor authentication', 'gpt-4o', false, '{"channel": "helpdesk", "ticket": "ACME-4821"}', '2026-11-18 08:30:00+00', '2026-11-18 08:30:00+00'),
  ('30000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002',
   'Refund policy for annual plans', 'claude-sonnet-4', false, '{"channel": "helpdesk"}', '2026-11-19 10:00:00+00', '2026-11-19 10:00:00+00'),
  ('30000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002',
   'Tone check for an apology email', 'gpt-4o-mini', true, '{}', '2026-11-12 15:20:00+00', '2026-11-12 15:20:00+00'),
  ('30000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000003',
   'Literature review: solid-state battery electrolytes', 'claude-sonnet-4', false, '{"project": "ssb-2027"}', '2026-11-18 13:00:00+00', '2026-11-18 13:00:00+00'),
  ('30000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000004',
   'Interpreting a mixed-effects regression', 'gpt-4o', false, '{}', '2026-11-20 09:45:00+00', '2026-11-20 09:45:00+00'),
  ('30000000-0000-4000-8000-000000000006', '10000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000005',
   'NDA clause on data retention', 'claude-sonnet-4', false, '{"matter": "M-2026-117"}', '2026-11-17 11:10:00+00', '2026-11-17 11:10:00+00'),
  ('30000000-0000-4000-8000-000000000007', '10000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000006',
   'GDPR Article 17 erasure requests', 'gpt-4o', false, '{}', '2026-11-20 16:05:00+00', '2026-11-20 16:05:00+00')
on conflict (id) do nothing;

-- ============================================================================
-- MESSAGES (a question and an answer per conversation; inserting them sets last_message_at)
-- ============================================================================
insert into public.messages (id, conversation_id, tenant_id, role, content, input_tokens, output_tokens, model, latency_ms, metadata, created_at)
select v.id, v.conversation_id, c.tenant_id, v.role::public.message_role, v.content, v.input_tokens, v.output_tokens, v.model, v.latency_ms, v.metadata::jsonb, v.created_at
from (values
  ('40000000-0000-4000-8000-000000000011'::uuid, '30000000-0000-4000-8000-000000000001'::uuid, 'user',
   'A customer lost their phone and cannot pass two-factor authentication. How do I verify them before resetting 2FA?',
   0, 0, null::text, null::integer, '{}', '2026-11-18 08:30:05+00'::timestamptz),
  ('40000000-0000-4000-8000-000000000012', '30000000-0000-4000-8000-000000000001', 'assistant',
   'Ask for two of: the billing postcode, the last four digits of the card on file, and the date of their last order. Once two match, reset 2FA from the admin console and ask them to enrol a new device within 24 hours.',
   412, 96, 'gpt-4o', 1840, '{"finish_reason": "stop"}', '2026-11-18 08:30:09+00'),
  ('40000000-0000-4000-8000-000000000021', '30000000-0000-4000-8000-000000000002', 'user',
   'Can a customer on an annual plan get a pro-rated refund after three months?',
   0, 0, null, null, '{}', '2026-11-19 10:00:10+00'),
  ('40000000-0000-4000-8000-000000000022', '30000000-0000-4000-8000-000000000002', 'assistant',
   'Yes. Annual plans are refundable pro rata within the first six months, minus any discount applied at purchase. After three months, refund 9/12 of the amount paid, less the annual discount.',
   388, 71, 'claude-sonnet-4', 2210, '{"finish_reason": "end_turn"}', '2026-11-19 10:00:14+00'),
  ('40000000-0000-4000-8000-000000000031', '30000000-0000-4000-8000-000000000003', 'user',
   'Does this apology email sound sincere without admitting liability? "We are sorry for the delay your order experienced..."',
   0, 0, null, null, '{}', '2026-11-12 15:20:03+00'),
  ('40000000-0000-4000-8000-000000000032', '30000000-0000-4000-8000-000000000003', 'assistant',
   'It reads as sincere. To avoid implying fault, replace "the delay we caused" with "the delay your order experienced" throughout, and keep the goodwill credit framed as a courtesy.',
   205, 58, 'gpt-4o-mini', 930, '{"finish_reason": "stop"}', '2026-11-12 15:20:05+00'),
  ('40000000-0000-4000-8000-000000000041', '30000000-0000-4000-8000-000000000004', 'user',
   'Summarise the main trade-offs between sulfide and oxide solid electrolytes published since 2023.',
   0, 0, null, null, '{}', '2026-11-18 13:00:20+00'),
  ('40000000-0000-4000-8000-000000000042', '30000000-0000-4000-8000-000000000004', 'assistant',
   'Sulfide electrolytes reach liquid-like ionic conductivity and are easy to cold-press, but release H2S in moist air and are unstable against high-voltage cathodes. Oxides such as LLZO are chemically robust but brittle and need high-temperature sintering, which raises interface resistance.',
   1530, 284, 'claude-sonnet-4', 5120, '{"finish_reason": "end_turn", "citations": 4}', '2026-11-18 13:00:31+00'),
  ('40000000-0000-4000-8000-000000000051', '30000000-0000-4000-8000-000000000005', 'user',
   'My mixed-effects model gives a random intercept variance of 0.02 and a residual variance of 1.4. What does that mean?',
   0, 0, null, null, '{}', '2026-11-20 09:45:12+00'),
  ('40000000-0000-4000-8000-000000000052', '30000000-0000-4000-8000-000000000005', 'assistant',
   'The intraclass correlation is 0.02 / (0.02 + 1.4), about 1.4%: almost all variation is within groups, so the grouping explains little and a simpler model may fit as well. Compare AIC with and without the random effect.',
   640, 77, 'gpt-4o', 2480, '{"finish_reason": "stop"}', '2026-11-20 09:45:16+00'),
  ('40000000-0000-4000-8000-000000000061', '30000000-0000-4000-8000-000000000006', 'user',
   'Draft a mutual NDA clause requiring deletion of confidential information within 30 days of termination.',
   0, 0, null, null, '{}', '2026-11-17 11:10:30+00'),
  ('40000000-0000-4000-8000-000000000062', '30000000-0000-4000-8000-000000000006', 'assistant',
   'Within thirty (30) days after termination, each Receiving Party shall destroy or return all Confidential Information of the Disclosing Party and certify so in writing, except copies retained under a bona fide backup policy or required by law, which remain subject to this Agreement.',
   720, 118, 'claude-sonnet-4', 3340, '{"finish_reason": "end_turn"}', '2026-11-17 11:10:37+00'),
  ('40000000-0000-4000-8000-000000000071', '30000000-0000-4000-8000-000000000007', 'user',
   'When may we refuse an Article 17 erasure request?',
   0, 0, null, null, '{}', '2026-11-20 16:05:02+00'),
  ('40000000-0000-4000-8000-000000000072', '30000000-0000-4000-8000-000000000007', 'assistant',
   'Article 17(3) lets you refuse where processing is necessary for freedom of expression, a legal obligation, public health, archiving or research in the public interest, or the establishment, exercise or defence of legal claims. Document the reason and reply within one month.',
   455, 102, 'gpt-4o', 2050, '{"finish_reason": "stop"}', '2026-11-20 16:05:06+00')
) as v (id, conversation_id, role, content, input_tokens, output_tokens, model, latency_ms, metadata, created_at)
join public.conversations c on c.id = v.conversation_id
on conflict (id) do nothing;

-- ============================================================================
-- FEEDBACK (one rating per assistant answer; rating -1 = thumbs down, +1 = thumbs up)
-- ============================================================================
insert into public.feedback (id, message_id, tenant_id, user_id, rating, comment, created_at, updated_at) values
  ('50000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000012', '10000000-0000-4000-8000-000000000001',
   '20000000-0000-4000-8000-000000000001', 1, 'Matches our verification policy.', '2026-11-18 08:31:00+00', '2026-11-18 08:31:00+00'),
  ('50000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000022', '10000000-0000-4000-8000-000000000001',
   '20000000-0000-4000-8000-000000000002', -1, 'The refund window is 90 days, not six months.', '2026-11-19 10:02:00+00', '2026-11-19 10:02:00+00'),
  ('50000000-0000-4000-8000-000000000003', '40000000-0000-4000-8000-000000000032', '10000000-0000-4000-8000-000000000001',
   '20000000-0000-4000-8000-000000000001', 1, null, '2026-11-12 15:25:00+00', '2026-11-12 15:25:00+00'),
  ('50000000-0000-4000-8000-000000000004', '40000000-0000-4000-8000-000000000042', '10000000-0000-4000-8000-000000000002',
   '20000000-0000-4000-8000-000000000003', 1, 'Good summary; cites the 2024 reviews.', '2026-11-18 13:05:00+00', '2026-11-18 13:05:00+00'),
  ('50000000-0000-4000-8000-000000000005', '40000000-0000-4000-8000-000000000052', '10000000-0000-4000-8000-000000000002',
   '20000000-0000-4000-8000-000000000004', 1, null, '2026-11-20 09:47:00+00', '2026-11-20 09:47:00+00'),
  ('50000000-0000-4000-8000-000000000006', '40000000-0000-4000-8000-000000000062', '10000000-0000-4000-8000-000000000003',
   '20000000-0000-4000-8000-000000000005', 1, 'Usable as a first draft.', '2026-11-17 11:15:00+00', '2026-11-17 11:15:00+00'),
  ('50000000-0000-4000-8000-000000000007', '40000000-0000-4000-8000-000000000072', '10000000-0000-4000-8000-000000000003',
   '20000000-0000-4000-8000-000000000006', -1, 'Misses the Article 17(1) grounds entirely.', '2026-11-20 16:07:00+00', '2026-11-20 16:07:00+00')
on conflict (id) do nothing;

-- ============================================================================
-- USAGE (per tenant, user and UTC day; cost in USD)
-- ============================================================================
insert into public.usage_metrics (tenant_id, user_id, date, input_tokens, output_tokens, cost, request_count, created_at, updated_at) values
  ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', '2026-11-17', 3820, 910, 0.018650, 9, '2026-11-17 08:02:00+00', '2026-11-17 17:40:00+00'),
  ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', '2026-11-18', 5140, 1288, 0.025730, 12, '2026-11-18 08:30:09+00', '2026-11-18 18:05:00+00'),
  ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002', '2026-11-12', 1205, 301, 0.000361, 4, '2026-11-12 15:20:05+00', '2026-11-12 16:10:00+00'),
  ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002', '2026-11-19', 2388, 471, 0.014229, 6, '2026-11-19 10:00:14+00', '2026-11-19 15:30:00+00'),
  ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002', '2026-11-20', 1960, 402, 0.011910, 5, '2026-11-20 09:12:00+00', '2026-11-20 14:48:00+00'),
  ('10000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000003', '2026-11-18', 9530, 2284, 0.062850, 14, '2026-11-18 13:00:31+00', '2026-11-18 19:20:00+00'),
  ('10000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000003', '2026-11-19', 4410, 1020, 0.028530, 7, '2026-11-19 09:15:00+00', '2026-11-19 12:00:00+00'),
  ('10000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000004', '2026-11-20', 640, 77, 0.002370, 1, '2026-11-20 09:45:16+00', '2026-11-20 09:45:16+00'),
  ('10000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000005', '2026-11-17', 2720, 518, 0.015930, 4, '2026-11-17 11:10:37+00', '2026-11-17 16:00:00+00'),
  ('10000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000005', '2026-11-20', 1850, 402, 0.011580, 3, '2026-11-20 10:30:00+00', '2026-11-20 11:45:00+00'),
  ('10000000-0000-4000-8000-000000000003', '20000000-0000-4000-8000-000000000006', '2026-11-20', 455, 102, 0.002158, 1, '2026-11-20 16:05:06+00', '2026-11-20 16:05:06+00')
on conflict (tenant_id, user_id, date) do nothing;

-- ============================================================================
-- SUMMARIES (so the summary RPCs answer for the seed right away)
-- ============================================================================
select private.refresh_summaries();

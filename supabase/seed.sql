-- Deterministic demo and test data: fixed UUIDs and timestamps, safe to run again.
-- Two tenants with an owner, an admin-or-member mix each, so every RLS test has a
-- colleague and a stranger. Every account's password is "password123" (for `supabase start`,
-- where GoTrue signs them in; the hash uses a fixed salt so the seed is byte-for-byte stable).

-- ============================================================================
-- TENANTS
-- ============================================================================
insert into public.tenants (id, slug, name, plan, created_at, updated_at) values
  ('10000000-0000-4000-8000-000000000001', 'acme', 'Acme Corporation', 'pro', '2026-01-05 09:00:00+00', '2026-01-05 09:00:00+00'),
  ('10000000-0000-4000-8000-000000000002', 'globex', 'Globex Industries', 'free', '2026-01-06 09:00:00+00', '2026-01-06 09:00:00+00')
on conflict (id) do nothing;

-- ============================================================================
-- ACCOUNTS (auth.users + email identities)
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
  ('20000000-0000-4000-8000-000000000001'::uuid, 'alice@acme.test', 'Alice Owner', '2026-01-05 09:05:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000002'::uuid, 'bob@acme.test', 'Bob Admin', '2026-01-05 09:10:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000003'::uuid, 'carol@acme.test', 'Carol Member', '2026-01-05 09:15:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000004'::uuid, 'dave@globex.test', 'Dave Owner', '2026-01-06 09:05:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000005'::uuid, 'erin@globex.test', 'Erin Member', '2026-01-06 09:10:00+00'::timestamptz),
  ('20000000-0000-4000-8000-000000000006'::uuid, 'frank@nowhere.test', 'Frank No-Tenant', '2026-01-07 09:00:00+00'::timestamptz)
) as v (id, email, display_name, at)
on conflict (id) do nothing;

insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id, u.id::text, u.id,
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true),
       'email', u.created_at, u.created_at, u.created_at
from auth.users u
where u.id::text like '20000000-0000-4000-8000-%'
on conflict (provider_id, provider) do nothing;

-- ============================================================================
-- PROFILES (frank has an account but no tenant: the "signed up, not provisioned" case)
-- ============================================================================
insert into public.users (id, tenant_id, role, display_name, email, created_at, updated_at)
select v.id, v.tenant_id, v.role, au.raw_user_meta_data ->> 'display_name', au.email, au.created_at, au.created_at
from (values
  ('20000000-0000-4000-8000-000000000001'::uuid, '10000000-0000-4000-8000-000000000001'::uuid, 'owner'),
  ('20000000-0000-4000-8000-000000000002'::uuid, '10000000-0000-4000-8000-000000000001'::uuid, 'admin'),
  ('20000000-0000-4000-8000-000000000003'::uuid, '10000000-0000-4000-8000-000000000001'::uuid, 'member'),
  ('20000000-0000-4000-8000-000000000004'::uuid, '10000000-0000-4000-8000-000000000002'::uuid, 'owner'),
  ('20000000-0000-4000-8000-000000000005'::uuid, '10000000-0000-4000-8000-000000000002'::uuid, 'member')
) as v (id, tenant_id, role)
join auth.users au on au.id = v.id
on conflict (id) do nothing;

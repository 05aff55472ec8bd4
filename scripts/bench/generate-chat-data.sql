-- Synthetic chat data for benchmarks, generated in the database (fast, deterministic given the
-- seed set by the caller with setseed). Parameters (set_config by the caller):
--   bench.users_per_tenant   extra users per seeded tenant
--   bench.messages           messages to create (10 per conversation, half assistant answers)
-- About 30% of assistant answers get a rating; every user has usage on each of the last 90 days.

insert into auth.users (id, aud, role, email, created_at, updated_at)
select uuid_generate_v5('00000000-0000-0000-0000-00000000b001'::uuid, t.id || '/' || g),
       'authenticated', 'authenticated', 'bench-' || t.slug || '-' || g || '@example.test', '2026-01-01', '2026-01-01'
from public.tenants t, generate_series(1, current_setting('bench.users_per_tenant')::int) g;

insert into public.users (id, tenant_id, role, display_name, email)
select uuid_generate_v5('00000000-0000-0000-0000-00000000b001'::uuid, t.id || '/' || g), t.id, 'member', 'Bench user ' || g,
       'bench-' || t.slug || '-' || g || '@example.test'
from public.tenants t, generate_series(1, current_setting('bench.users_per_tenant')::int) g;

create temporary table bench_users as
select row_number() over (order by id) as n, id, tenant_id from public.users;

insert into public.conversations (id, tenant_id, user_id, title, model, created_at, updated_at)
select uuid_generate_v5('00000000-0000-0000-0000-00000000b002'::uuid, g::text), u.tenant_id, u.id,
       'Benchmark conversation ' || g, 'gpt-4o',
       timestamptz '2026-08-01' + (g % 90) * interval '1 day', timestamptz '2026-08-01' + (g % 90) * interval '1 day'
from generate_series(1, current_setting('bench.messages')::int / 10) g
join bench_users u on u.n = 1 + (g % (select count(*) from bench_users));

insert into public.messages (conversation_id, tenant_id, role, content, input_tokens, output_tokens, model, latency_ms, created_at)
select c.id, c.tenant_id, case when m % 2 = 1 then 'user' else 'assistant' end,
       repeat('lorem ipsum dolor sit amet ', 4 + (random() * 20)::int),
       case when m % 2 = 0 then 200 + (random() * 1800)::int else 0 end,
       case when m % 2 = 0 then 50 + (random() * 600)::int else 0 end,
       case when m % 2 = 0 then 'gpt-4o' end,
       case when m % 2 = 0 then 400 + (random() * 6000)::int end,
       c.created_at + m * interval '20 seconds'
from public.conversations c, generate_series(1, 10) m
where c.title like 'Benchmark conversation %';

insert into public.feedback (message_id, tenant_id, user_id, rating, created_at, updated_at)
select m.id, m.tenant_id, c.user_id, case when random() < 0.8 then 1 else -1 end, m.created_at + interval '1 minute', m.created_at + interval '1 minute'
from public.messages m join public.conversations c on c.id = m.conversation_id
where m.role = 'assistant' and c.title like 'Benchmark conversation %' and random() < 0.3;

insert into public.usage_metrics (tenant_id, user_id, date, input_tokens, output_tokens, cost, request_count)
select u.tenant_id, u.id, d::date, (random() * 50000)::int, (random() * 12000)::int, round((random() * 0.5)::numeric, 6), 1 + (random() * 40)::int
from bench_users u, generate_series(date '2026-08-01', date '2026-10-29', interval '1 day') d
on conflict (tenant_id, user_id, date) do nothing;

drop table bench_users;

/**
 * The RPC fuzz test's world, committed (the Data API works on its own connections) and removed
 * afterwards: tenant A (owner, admin, member) and tenant B (admin, member), each with a
 * conversation, messages and a rating; accounts without a profile (newcomer, stranger) that may
 * create or join a tenant; a pool of invitations in every state accept_invitation tells apart;
 * moderated accounts and a day's usage one call short of a limit (blocking rules, the ring of 50,
 * the most a cost holds); and the seed's admins and members of acme and globex as callers from
 * other tenants. `restore` puts
 * back what an accepted call may take (invitations used or revoked, profiles and tenants created);
 * `snapshot` reads, per row, what the RPCs could write in the world's and the seed's tenants, so
 * `diff` shows every row an answer added, changed or removed.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { anonKey } from './api.ts';
import { connect, superuserUrl } from './db.ts';
import { message, TENANT, USER } from './seed-ids.ts';

export const CALLERS = ['anon', 'service_role', 'a.owner', 'a.admin', 'a.member', 'b.admin', 'b.member', 'newcomer', 'stranger', 'ghost',
  'seed.alice', 'seed.bob', 'seed.carol', 'seed.dave'] as const;
export type CallerName = typeof CALLERS[number];

export interface Caller { name: CallerName; id: string | null; role: 'anon' | 'service_role' | 'authenticated'; tenant: string | null; tenantRole: string | null; email: string }

export const INVITATIONS = ['open', 'admin', 'revoked', 'expired', 'usedUp', 'forNewcomer', 'b'] as const;
export type InvitationName = typeof INVITATIONS[number];
export interface Invitation { id: string; token: string; tenant: string; role: string; email: string | null; maxUses: number | null; useCount: number; revoked: boolean; expired: boolean }

export interface RpcWorld {
  tag: string;
  tenants: { a: string; b: string };
  callers: Record<CallerName, Caller>;
  invitations: Record<InvitationName, Invitation>;
  messages: { a: string[]; b: string[]; seed: string[] };
  /** When the world was made (platform rows the suite writes are removed from then on). */
  since: Date;
}

const admin = () => connect(superuserUrl());
const sha256 = (s: string) => createHash('sha256').update(s).digest();
/** Platform-wide RAG rows the suite may write: only for days before this (no other test uses them). */
export const PLATFORM_DAYS_BEFORE = '2001-01-01';

export async function createRpcWorld(): Promise<RpcWorld> {
  const tag = `fuzz-rpc-${process.pid}-${randomUUID().slice(0, 6)}`;
  const sql = admin();
  const [a] = await sql`insert into public.tenants (slug, name) values (${tag}, 'Fuzz rpc A') returning id`;
  const [b] = await sql`insert into public.tenants (slug, name) values (${`${tag}-b`}, 'Fuzz rpc B') returning id`;
  const callers = {
    anon: { name: 'anon', id: null, role: 'anon', tenant: null, tenantRole: null, email: '' },
    service_role: { name: 'service_role', id: null, role: 'service_role', tenant: null, tenantRole: null, email: '' },
    ghost: { name: 'ghost', id: randomUUID(), role: 'authenticated', tenant: null, tenantRole: null, email: `ghost-${tag}@example.test` },
  } as Record<CallerName, Caller>;
  const account = async (name: CallerName, tenant: string | null, tenantRole: string | null) => {
    const email = `${name.replace('.', '-')}-${tag}@example.test`;
    const [u] = await sql`insert into auth.users (id, aud, role, email) values (gen_random_uuid(), 'authenticated', 'authenticated', ${email}) returning id`;
    if (tenant) await sql`insert into public.users (id, tenant_id, role, display_name) values (${u.id}, ${tenant}, ${tenantRole}, ${name})`;
    callers[name] = { name, id: u.id, role: 'authenticated', tenant, tenantRole, email };
  };
  await account('a.owner', a.id, 'owner');
  await account('a.admin', a.id, 'admin');
  await account('a.member', a.id, 'member');
  await account('b.admin', b.id, 'admin');
  await account('b.member', b.id, 'member');
  await account('newcomer', null, null);
  await account('stranger', null, null);
  for (const [name, id, tenant, tenantRole] of [['seed.alice', USER.alice, TENANT.acme, 'admin'], ['seed.bob', USER.bob, TENANT.acme, 'member'],
    ['seed.carol', USER.carol, TENANT.globex, 'admin'], ['seed.dave', USER.dave, TENANT.globex, 'member']] as const) {
    callers[name] = { name, id, role: 'authenticated', tenant, tenantRole, email: `${name.slice(5)}@${tenant === TENANT.acme ? 'acme' : 'globex'}.test` };
  }

  const conv = async (tenant: string, user: string) =>
    (await sql`insert into public.conversations (tenant_id, user_id, title) values (${tenant}, ${user}, 'rpc fuzz') returning id`)[0].id as string;
  const msgs = async (c: string, tenant: string, n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await sql`insert into public.messages (conversation_id, tenant_id, role, content) values (${c}, ${tenant}, ${i % 2 ? 'assistant' : 'user'}, ${`m${i}`}) returning id`)[0].id);
    return out;
  };
  const messages = { a: await msgs(await conv(a.id, callers['a.member'].id!), a.id, 3), b: await msgs(await conv(b.id, callers['b.member'].id!), b.id, 2), seed: [message(1, 2), message(4, 2), message(6, 1)] };
  await sql`insert into public.feedback (message_id, tenant_id, user_id, rating) values (${messages.a[1]}, ${a.id}, ${callers['a.owner'].id}, 1), (${messages.b[1]}, ${b.id}, ${callers['b.member'].id}, -1)`;

  // Accounts one violation short of each rule (the 10th violation, the 3rd high one) and of a full
  // ring of 50 recent actions (so the slot is overwritten in place from the next one on), and a
  // day's usage just under what usage_metrics.cost holds: a few runs reach each edge.
  const record = (org: string, platform: string, user: string, severity: string) =>
    sql`select public.atomic_update_user_behavior(${org}, ${platform}, ${user}, 'edge', ${sql.json({ severity })})`;
  for (let i = 0; i < 49; i++) await record(a.id, 'twitter', 'u1', 'low');
  for (let i = 0; i < 9; i++) await record(a.id, 'discord', 'u2', 'low');
  for (let i = 0; i < 2; i++) await record(b.id, 'twitter', 'u1', 'high');
  await sql`insert into public.usage_metrics (tenant_id, user_id, date, input_tokens, output_tokens, cost, request_count)
            values (${a.id}, ${callers['a.owner'].id}, '2026-01-15', 1, 1, 99999999.5, 1)`;

  const invitations = {} as Record<InvitationName, Invitation>;
  const spec: [InvitationName, string, string, string | null, number | null, number, boolean, boolean][] = [
    ['open', a.id, 'member', null, null, 0, false, false], ['admin', a.id, 'admin', null, 5, 0, false, false],
    ['revoked', a.id, 'member', null, 1, 0, true, false], ['expired', a.id, 'member', null, 1, 0, false, true],
    ['usedUp', a.id, 'member', null, 1, 1, false, false], ['forNewcomer', a.id, 'member', callers.newcomer.email.toUpperCase(), 1, 0, false, false],
    ['b', b.id, 'member', null, null, 0, false, false],
  ];
  for (const [name, tenant, role, email, maxUses, useCount, revoked, expired] of spec) {
    const token = randomBytes(32).toString('base64url');
    const by = tenant === a.id ? callers['a.owner'].id : callers['b.admin'].id;
    const [row] = await sql`insert into public.tenant_invitations (tenant_id, created_by, token_hash, role, email, max_uses, use_count, revoked_at, created_at, expires_at)
      values (${tenant}, ${by}, ${sha256(token)}, ${role}, ${email}, ${maxUses}, ${useCount}, ${revoked ? sql`now()` : null},
              now() - interval '2 days', ${expired ? sql`now() - interval '1 day'` : sql`now() + interval '7 days'`}) returning id`;
    invitations[name] = { id: row.id, token, tenant, role, email, maxUses, useCount, revoked, expired };
  }
  // The first call of a function through the Data API loads its schema cache: not inside a run.
  await fetch(`${process.env.TEST_API_URL}/rest/v1/rpc/get_monthly_usage_summary`, { method: 'POST', headers: { apikey: anonKey(), 'Content-Type': 'application/json' }, body: '{}' });
  return { tag, tenants: { a: a.id, b: b.id }, callers, invitations, messages, since: new Date(Date.now() - 1000) };
}

/** The accounts of the world that may gain a profile (create_tenant, accept_invitation). */
const joiners = (w: RpcWorld) => [w.callers.newcomer.id!, w.callers.stranger.id!, w.callers.ghost.id!];

/** Back to the fixture state of what accepted calls take: created tenants and profiles, invitations used, revoked or added. */
export async function restore(w: RpcWorld): Promise<void> {
  await admin().begin(async (tx) => {
    await tx`delete from public.tenants where id in (select tenant_id from public.users where id = any(${joiners(w)}) and tenant_id <> all(${Object.values(w.tenants)}))`;
    await tx`delete from public.users where id = any(${joiners(w)})`;
    const pool = Object.values(w.invitations);
    await tx`delete from public.tenant_invitations where tenant_id = any(${Object.values(w.tenants)}) and id <> all(${pool.map((i) => i.id)})`;
    for (const i of pool) {
      await tx`update public.tenant_invitations set use_count = ${i.useCount}, revoked_at = case when ${i.revoked} then coalesce(revoked_at, now()) end
               where id = ${i.id} and (use_count <> ${i.useCount} or (revoked_at is null) = ${i.revoked})`;
    }
  });
}

export async function destroyRpcWorld(w: RpcWorld | undefined): Promise<void> {
  if (!w) return;
  const ids = Object.values(w.callers).filter((c) => c.name.startsWith('a.') || c.name.startsWith('b.') || c.name === 'newcomer' || c.name === 'stranger').map((c) => c.id!);
  await admin().begin(async (tx) => {
    await tx`delete from public.tenants where id in (select tenant_id from public.users where id = any(${joiners(w)}))`;
    await tx`delete from public.tenants where id = any(${Object.values(w.tenants)})`;
    await tx`delete from auth.users where id = any(${ids})`;
    await tx`delete from public.rag_metrics_history where tenant_id is null and date < ${PLATFORM_DAYS_BEFORE}::date and (created_at >= ${w.since} or updated_at >= ${w.since})`;
  });
}

/** One row as the snapshot keeps it: a digest, and the row itself for the tables whose counts are checked. */
export interface SnapRow { h: string; row: Record<string, any> | null }
export type Snapshot = Map<string, SnapRow>;

const SNAPSHOT = `
  select 'tenants:' || x.id as k, md5(x::text) as h, to_jsonb(x) as row from public.tenants x
   where x.id = any($1::uuid[]) or x.slug like $2 or x.id in (select u.tenant_id from public.users u where u.id = any($3::uuid[]))
  union all select 'users:' || x.id, md5(x::text), to_jsonb(x) from public.users x where x.tenant_id = any($1::uuid[]) or x.id = any($3::uuid[])
  union all select 'tenant_invitations:' || x.id, md5(x::text), to_jsonb(x) from public.tenant_invitations x where x.tenant_id = any($1::uuid[])
  union all select 'usage_metrics:' || x.tenant_id || '/' || x.user_id || '/' || x.date, md5(x::text), to_jsonb(x) from public.usage_metrics x where x.tenant_id = any($1::uuid[])
  union all select 'user_behaviors:' || x.id, md5(x::text), to_jsonb(x) from public.user_behaviors x where x.tenant_id = any($1::uuid[])
  union all select 'user_behavior_actions:' || x.behavior_id || '/' || x.slot, md5(x::text), to_jsonb(x) from public.user_behavior_actions x where x.tenant_id = any($1::uuid[])
  union all select 'rag_metrics_history:' || coalesce(x.tenant_id::text, 'platform') || '/' || x.date, md5(x::text), to_jsonb(x) from public.rag_metrics_history x
   where (x.tenant_id = any($4::uuid[]) or (x.tenant_id is null and x.date < '${PLATFORM_DAYS_BEFORE}'))
     -- The daily job (other tests' refresh-views runs) writes yesterday and today for every tenant.
     and x.date not between (now() at time zone 'UTC')::date - 2 and (now() at time zone 'UTC')::date + 1
  union all select 'conversations:' || x.id, md5(x::text), null from public.conversations x where x.tenant_id = any($4::uuid[])
  union all select 'messages:' || x.id, md5(x::text), null from public.messages x where x.tenant_id = any($4::uuid[])
  union all select 'feedback:' || x.id, md5(x::text), null from public.feedback x where x.tenant_id = any($4::uuid[])`;

/**
 * Every row the RPCs could write: the world's tenants, the seed's (no call of the suite may be
 * accepted there, so any change is a bug) and tenants made by the world's accounts. (The seed's
 * conversations, messages, feedback and RAG rows are left out: other tests and jobs write them.)
 */
export async function snapshot(w: RpcWorld): Promise<Snapshot> {
  const all = [...Object.values(w.tenants), ...Object.values(TENANT)];
  const rows = await admin().unsafe(SNAPSHOT, [all, `${w.tag}%`, joiners(w), Object.values(w.tenants)] as never[]);
  return new Map(rows.map((r) => [r.k as string, { h: r.h as string, row: r.row as Record<string, any> | null }]));
}

export interface Change { key: string; kind: 'added' | 'removed' | 'changed'; before?: SnapRow['row']; after?: SnapRow['row'] }

export function diff(before: Snapshot, after: Snapshot): Change[] {
  const out: Change[] = [];
  for (const [key, b] of before) {
    const a = after.get(key);
    if (!a) out.push({ key, kind: 'removed', before: b.row });
    else if (a.h !== b.h) out.push({ key, kind: 'changed', before: b.row, after: a.row });
  }
  for (const [key, a] of after) if (!before.has(key)) out.push({ key, kind: 'added', after: a.row });
  return out.sort((x, y) => x.key.localeCompare(y.key));
}

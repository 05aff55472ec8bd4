/**
 * The fuzz suite's own world, committed (the gateway works on its own connections) and removed
 * afterwards: a tenant with an owner, an admin and a member, a second tenant with an outsider (for
 * cross-tenant ids), conversations, messages and feedback; optionally raw responses ingested
 * through ingest-response, and a public bucket with per-user folder policies holding a few
 * objects. Nothing of the seed is used or touched.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { anonKey, apiUrl, serviceRoleKey, userToken } from './api.ts';
import { connect, superuserUrl } from './db.ts';

export interface FuzzWorld {
  tag: string;
  tenants: string[];
  users: { owner: string; admin: string; member: string; outsider: string };
  conversations: { owner: string; member: string; outsider: string; review?: string };
  messages: { owner: string[]; outsider: string };
  bucket?: string;
  /** Object names in the bucket, by purpose. */
  objects: string[];
  /** storage.objects rows live under storageRoot/<id> (found once the first object exists). */
  storageRoot?: string;
  /** Rows the suite made outside the tenant (job runs, objects uploaded by service_role anywhere), removed at teardown. */
  jobRunIds: string[];
  objectIds: string[];
}

const admin = () => connect(superuserUrl());

export async function callFunction(name: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${apiUrl()}/functions/v1/${name}`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  try { return { status: res.status, body: JSON.parse(text) }; } catch { return { status: res.status, body: text }; }
}

async function upload(bucket: string, name: string, token: string, bytes: string, type = 'text/plain'): Promise<string> {
  const target = `${apiUrl()}/storage/v1/object/${bucket}/${name.split('/').map(encodeURIComponent).join('/')}`;
  const res = await fetch(target, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body: bytes });
  const body = await res.json();
  if (!res.ok) throw new Error(`fixture upload ${name}: ${res.status} ${JSON.stringify(body)}`);
  return body.Id;
}

/** The gateway's storage root: the temporary folder holding a file named by a known object id. */
function findStorageRoot(objectId: string): string {
  for (const dir of fs.readdirSync(os.tmpdir())) {
    const full = path.join(os.tmpdir(), dir);
    if (dir.startsWith('assistant-platform-storage-') && fs.existsSync(path.join(full, objectId))) return full;
  }
  throw new Error(`cannot find the gateway's storage root (no file ${objectId} under ${os.tmpdir()})`);
}

export async function createWorld(name: string, opts: { bucket?: boolean; ingest?: boolean } = {}): Promise<FuzzWorld> {
  const tag = `fuzz-${name}-${process.pid}-${randomUUID().slice(0, 6)}`;
  const sql = admin();
  const [main] = await sql`insert into public.tenants (slug, name) values (${tag}, ${`Fuzz ${name}`}) returning id`;
  const [other] = await sql`insert into public.tenants (slug, name) values (${`${tag}-other`}, ${`Fuzz ${name} other`}) returning id`;
  const users = {} as FuzzWorld['users'];
  for (const [role, tenant, tenantRole] of [['owner', main.id, 'owner'], ['admin', main.id, 'admin'], ['member', main.id, 'member'], ['outsider', other.id, 'owner']] as const) {
    const [u] = await sql`insert into auth.users (id, aud, role, email) values (gen_random_uuid(), 'authenticated', 'authenticated', ${`${role}-${tag}@example.test`}) returning id`;
    await sql`insert into public.users (id, tenant_id, role, display_name) values (${u.id}, ${tenant}, ${tenantRole}, ${`${role} ${tag}`})`;
    users[role] = u.id;
  }
  const conv = async (user: string, tenant: string, title: string) =>
    (await sql`insert into public.conversations (tenant_id, user_id, title) values (${tenant}, ${user}, ${title}) returning id`)[0].id as string;
  const msg = async (c: string, tenant: string, role: string, content: string) =>
    (await sql`insert into public.messages (conversation_id, tenant_id, role, content) values (${c}, ${tenant}, ${role}, ${content}) returning id`)[0].id as string;
  const conversations: FuzzWorld['conversations'] = {
    owner: await conv(users.owner, main.id, 'owner thread'), member: await conv(users.member, main.id, 'member thread'),
    outsider: await conv(users.outsider, other.id, 'outsider thread'),
  };
  const messages = {
    owner: [await msg(conversations.owner, main.id, 'user', 'question?'), await msg(conversations.owner, main.id, 'assistant', 'answer.')],
    outsider: await msg(conversations.outsider, other.id, 'assistant', 'elsewhere'),
  };
  await sql`insert into public.feedback (message_id, tenant_id, user_id, rating, comment) values (${messages.owner[1]}, ${main.id}, ${users.member}, 1, 'fixture')`;
  // Load every function once (the first call compiles it), so no fuzzed run pays for that.
  for (const fn of ['whoami', 'submit-feedback', 'ingest-response', 'refresh-views']) await callFunction(fn, anonKey(), {});
  const world: FuzzWorld = { tag, tenants: [main.id, other.id], users, conversations, messages, objects: [], jobRunIds: [], objectIds: [] };

  if (opts.ingest) {
    const owner = await userToken(users.owner);
    // Usage is recorded by server-side code (service_role), not by users.
    const done = await callFunction('ingest-response', serviceRoleKey(), { conversation_id: conversations.owner, raw_response: JSON.stringify({ turns: [{ role: 'assistant', content: 'fixture' }] }), usage: { input_tokens: 1, output_tokens: 2, cost: 0.01 } });
    if (done.status !== 200) throw new Error(`fixture ingest: ${done.status} ${JSON.stringify(done.body)}`);
    world.conversations.review = await conv(users.owner, main.id, 'review thread');
    const review = await callFunction('ingest-response', owner, { conversation_id: world.conversations.review, raw_response: 'no json here at all' });
    if (review.body?.processing_status !== 'needs_review') throw new Error(`fixture review ingest: ${review.status} ${JSON.stringify(review.body)}`);
  }
  if (opts.bucket) {
    const bucket = world.bucket = tag;
    await sql`insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
              values (${bucket}, ${bucket}, true, 1048576, ${['text/plain', 'application/json', 'image/*']})`;
    for (const [action, clause] of [['insert', 'with check'], ['select', 'using'], ['update', 'using'], ['delete', 'using']] as const) {
      // DDL takes no parameters: the database quotes the name and the bucket (format %I, %L).
      const [{ ddl }] = await sql`select format('create policy %I on storage.objects for %s to authenticated %s (bucket_id = %L and (storage.foldername(name))[1] = (select auth.uid()::text))',
        ${`${bucket} ${action}`}::text, ${action}::text, ${clause}::text, ${bucket}::text) as ddl`;
      await sql.unsafe(ddl);
    }
    await restoreObjects(world);
  }
  if (opts.ingest || opts.bucket) {
    const [row] = await sql`select id from storage.objects where owner_id = any(${Object.values(users)}) or bucket_id = ${world.bucket ?? ''} limit 1`;
    world.storageRoot = findStorageRoot(row.id);
  }
  return world;
}

/** The bucket's fixture objects, (re)uploaded where missing (a fuzzed removal or upsert may take them). */
export async function restoreObjects(world: FuzzWorld): Promise<void> {
  if (!world.bucket) return;
  const { owner, member } = world.users;
  const wanted: [string, string, string][] = [
    [`${owner}/a.txt`, owner, 'text/plain'], [`${owner}/dir/b.json`, owner, 'application/json'], [`${owner}/dir/c d.txt`, owner, 'text/plain'],
    [`${member}/m.txt`, member, 'text/plain'],
  ];
  world.objects = wanted.map(([n]) => n);
  const present = new Set((await admin()`select name, metadata from storage.objects where bucket_id = ${world.bucket} and name = any(${world.objects})`)
    .filter((r) => r.metadata?.size === 7).map((r) => r.name));
  for (const [name, user, type] of wanted) {
    if (!present.has(name)) await upload(world.bucket, name, await userToken(user), 'fixture', type);
  }
}

const sha = (file: string) => fs.existsSync(file) ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : 'missing';
export const fileHash = (world: FuzzWorld, id: string) => world.storageRoot ? sha(path.join(world.storageRoot, id)) : 'no-root';

export async function destroyWorld(world: FuzzWorld | undefined): Promise<void> {
  if (!world) return;
  const sql = admin();
  const userIds = Object.values(world.users);
  const objects = await sql`select id from storage.objects where bucket_id = ${world.bucket ?? ''} or owner_id = any(${userIds})
                            or (bucket_id = 'conversation-files' and split_part(name, '/', 2) = any(${userIds})) or id = any(${world.objectIds})`;
  await sql.begin(async (tx) => {
    await tx`select set_config('storage.allow_delete_query', 'true', true)`;
    await tx`delete from storage.objects where id = any(${objects.map((o) => o.id)})`;
    if (world.bucket) await tx`delete from storage.buckets where id = ${world.bucket}`;
    await tx`delete from public.tenants where id = any(${world.tenants})`;
    await tx`delete from auth.users where id = any(${userIds})`;
    await tx`delete from private.job_runs where id = any(${world.jobRunIds}) or trigger like ${`${world.tag}%`}`;
  });
  for (const p of await sql`select policyname from pg_policies where schemaname = 'storage' and policyname like ${`${world.tag} %`}`) {
    await sql`drop policy ${sql(p.policyname)} on storage.objects`;
  }
  if (world.storageRoot) for (const o of objects) fs.rmSync(path.join(world.storageRoot, o.id), { force: true });
}

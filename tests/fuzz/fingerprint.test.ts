/**
 * The fuzz suite's no-partial-write check is only as good as its fingerprint: one stray row in any
 * of the world's tables, one changed byte of a stored object, one job-log row must each show.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connect, superuserUrl } from '../helpers/db.ts';
import { added, changed, type Fingerprint, fingerprinter } from '../helpers/fuzz-fingerprint.ts';
import { createWorld, destroyWorld, type FuzzWorld } from '../helpers/fuzz-fixture.ts';

let world: FuzzWorld;
let fingerprint: () => Promise<Fingerprint>;
const sql = () => connect(superuserUrl());

before(async () => {
  world = await createWorld('fingerprint', { bucket: true });
  fingerprint = await fingerprinter(world);
});
after(async () => { await destroyWorld(world); });

async function expectChange(parts: string[], kind: 'strict' | 'shared', change: () => Promise<unknown>, undo: () => Promise<unknown>, exactUndo = true) {
  const before = await fingerprint();
  await change();
  const during = await fingerprint();
  assert.deepEqual(kind === 'strict' ? changed(before.strict, during.strict) : added(before.shared, during.shared), parts);
  await undo();
  // (An update keeps a new updated_at: undone, it still differs.)
  if (exactUndo) assert.deepEqual(await fingerprint(), before, 'undoing the change gives the same fingerprint');
}

test('fuzz fingerprint: a single stray row in a tenant table, the tenant row or an account shows', async () => {
  const [tenant] = world.tenants;
  let id = '';
  // (A message also bumps its conversation's last_message_at.)
  await expectChange(['conversations', 'messages'], 'strict',
    async () => { [{ id }] = await sql()`insert into public.messages (conversation_id, tenant_id, role, content) values (${world.conversations.owner}, ${tenant}, 'user', 'stray') returning id`; },
    () => sql()`delete from public.messages where id = ${id}`, false);
  await expectChange(['feedback'], 'strict',
    async () => { [{ id }] = await sql()`insert into public.feedback (message_id, tenant_id, user_id, rating) values (${world.messages.owner[0]}, ${tenant}, ${world.users.owner}, -1) returning id`; },
    () => sql()`delete from public.feedback where id = ${id}`);
  await expectChange(['usage_metrics'], 'strict',
    () => sql()`insert into public.usage_metrics (tenant_id, user_id, date, input_tokens) values (${tenant}, ${world.users.owner}, '2000-01-01', 1)`,
    () => sql()`delete from public.usage_metrics where tenant_id = ${tenant} and date = '2000-01-01'`);
  await expectChange(['tenants'], 'strict', () => sql()`update public.tenants set name = name || '.' where id = ${tenant}`,
    () => sql()`update public.tenants set name = left(name, -1) where id = ${tenant}`, false);
});

test('fuzz fingerprint: one changed byte of a stored object, or its row, shows', async () => {
  const [row] = await sql()`select id from storage.objects where bucket_id = ${world.bucket!} order by name limit 1`;
  const file = path.join(world.storageRoot!, row.id);
  const original = fs.readFileSync(file);
  const flipped = Buffer.from(original);
  flipped[0] ^= 1;
  await expectChange(['stored bytes'], 'strict', async () => fs.writeFileSync(file, flipped), async () => fs.writeFileSync(file, original));
  await expectChange(['storage.objects'], 'strict', () => sql()`update storage.objects set user_metadata = '{"x":1}' where id = ${row.id}`,
    () => sql()`update storage.objects set user_metadata = null where id = ${row.id}`, false);
});

test('fuzz fingerprint: a job run logged shows in the shared part', async () => {
  let id = '';
  await expectChange(['private.job_runs'], 'shared',
    async () => { [{ id }] = await sql()`insert into private.job_runs (job, trigger, status) values ('refresh', ${world.tag}, 'skipped') returning id`; },
    () => sql()`delete from private.job_runs where id = ${id}`);
});

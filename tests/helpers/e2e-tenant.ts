/**
 * A tenant of its own for end-to-end tests, committed (the functions run on their own connections)
 * and removed afterwards, so the seed's rows and counts stay as they are.
 */
import { connect, superuserUrl } from './db.ts';

export interface E2eTenant {
  id: string;
  owner: string;
  member: string;
  /** Create the tenant, an owner and a member (call in before). */
  setup(): Promise<void>;
  /** Remove them and everything of theirs (call in after). */
  teardown(): Promise<void>;
}

export function e2eTenant(tag: string): E2eTenant {
  const admin = () => connect(superuserUrl());
  const t: E2eTenant = { id: '', owner: '', member: '', setup, teardown };
  async function setup() {
    const [row] = await admin()`insert into public.tenants (slug, name) values (${tag}, ${`E2E ${tag}`}) returning id`;
    t.id = row.id;
    for (const role of ['owner', 'member'] as const) {
      const [u] = await admin()`insert into auth.users (id, aud, role, email) values (gen_random_uuid(), 'authenticated', 'authenticated', ${`${role}-${tag}@example.test`}) returning id`;
      await admin()`insert into public.users (id, tenant_id, role) values (${u.id}, ${t.id}, ${role})`;
      t[role] = u.id;
    }
  }
  async function teardown() {
    await admin().begin(async (tx) => {
      await tx`select set_config('storage.allow_delete_query', 'true', true)`;
      await tx`delete from storage.objects where bucket_id = 'conversation-files' and (name like ${`raw/${t.owner}/%`} or name like ${`raw/${t.member}/%`})`;
      await tx`delete from public.tenants where id = ${t.id}`;
      await tx`delete from auth.users where id in (${t.owner}, ${t.member})`;
    });
  }
  return t;
}

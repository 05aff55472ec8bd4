/**
 * The platform bootstrap against ../shared/reference/supabase-platform.md: roles, auth helpers,
 * auth.users privileges, storage tables and helpers, advisors' settings, idempotence.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPlatformBootstrap, bootstrapFiles, bootstrapScript } from '../../scripts/local/stack/bootstrap.ts';
import { asAnon, asOwner, asServiceRole, asUser, connect, sqlError, superuserUrl } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

describe('roles', () => {
  it('have the attributes and memberships of hosted Supabase', async () => {
    const rows = await connect(superuserUrl())<{ rolname: string; rolsuper: boolean; rolinherit: boolean; rolcanlogin: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean }[]>`
      select rolname, rolsuper, rolinherit, rolcanlogin, rolbypassrls, rolcreaterole, rolcreatedb
      from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'postgres', 'supabase_admin')
      order by rolname`;
    const by = Object.fromEntries(rows.map((r) => [r.rolname, r]));
    assert.deepEqual(Object.keys(by).sort(), ['anon', 'authenticated', 'authenticator', 'postgres', 'service_role', 'supabase_admin']);
    assert.equal(by.postgres.rolsuper, false, 'postgres is demoted as on hosted Supabase');
    assert.equal(by.postgres.rolbypassrls, true);
    assert.equal(by.postgres.rolcreaterole && by.postgres.rolcreatedb, true);
    assert.equal(by.supabase_admin.rolsuper, true);
    assert.equal(by.service_role.rolbypassrls, true);
    assert.equal(by.anon.rolbypassrls || by.authenticated.rolbypassrls, false);
    assert.equal(by.anon.rolcanlogin || by.authenticated.rolcanlogin || by.service_role.rolcanlogin, false);
    assert.equal(by.authenticator.rolcanlogin, true);
    assert.equal(by.authenticator.rolinherit, false);
    const [m] = await connect(superuserUrl())`
      select pg_has_role('postgres', 'anon', 'member') and pg_has_role('postgres', 'authenticated', 'member')
               and pg_has_role('postgres', 'service_role', 'member') as postgres_member,
             pg_has_role('authenticator', 'anon', 'member') and pg_has_role('authenticator', 'service_role', 'member') as authenticator_member,
             pg_has_role('authenticator', 'anon', 'usage') as authenticator_inherits`;
    assert.deepEqual({ ...m }, { postgres_member: true, authenticator_member: true, authenticator_inherits: false });
  });

  it('expose the public schema to the advisors through pgrst.db_schemas', async () => {
    const [row] = await asOwner((tx) => tx`select current_setting('pgrst.db_schemas', true) as schemas`);
    assert.equal(row.schemas, 'public,graphql_public');
  });
});

describe('auth helpers', () => {
  it('auth.uid(), role(), email() and jwt() read request.jwt.claims', async () => {
    const [row] = await asUser(USER.alice, (tx) => tx`select auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() ->> 'aal' as aal`,
      { claims: { email: 'alice@acme.test' } });
    assert.deepEqual({ ...row }, { uid: USER.alice, role: 'authenticated', email: 'alice@acme.test', aal: 'aal1' });
  });

  it('return null without claims, and for anon', async () => {
    const [none] = await asOwner((tx) => tx`select auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() as jwt`);
    assert.deepEqual({ ...none }, { uid: null, role: null, email: null, jwt: null });
    const [anon] = await asAnon((tx) => tx`select auth.uid() as uid, auth.role() as role`);
    assert.deepEqual({ ...anon }, { uid: null, role: 'anon' });
  });

  it('prefer the legacy request.jwt.claim.sub and treat empty settings as unset', async () => {
    const [row] = await asOwner(async (tx) => {
      await tx`select set_config('request.jwt.claim.sub', ${USER.bob}, true), set_config('request.jwt.claims', ${JSON.stringify({ sub: USER.alice })}, true)`;
      const [legacy] = await tx`select auth.uid() as uid`;
      await tx`select set_config('request.jwt.claim.sub', '', true)`;
      const [modern] = await tx`select auth.uid() as uid`;
      return [{ legacy: legacy.uid, modern: modern.uid }];
    });
    assert.deepEqual(row, { legacy: USER.bob, modern: USER.alice });
  });

  it('auth.uid() raises 22P02 for a sub that is not a uuid', async () => {
    await asUser(USER.alice, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`select auth.uid()`);
      assert.equal(err.code, '22P02');
    }, { claims: { sub: 'not-a-uuid' } });
  });
});

describe('auth.users', () => {
  it('cannot be read by anon or authenticated (42501)', async () => {
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select id from auth.users`)).code, '42501');
    });
    await asUser(USER.alice, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select id from auth.users`)).code, '42501');
    });
  });

  it('is readable and referenceable by postgres, with the generated confirmed_at', async () => {
    const [row] = await asOwner((tx) => tx`select count(*)::int as n, bool_and(confirmed_at = email_confirmed_at) as confirmed from auth.users`);
    assert.ok(row.n >= 6);
    assert.equal(row.confirmed, true);
    const [priv] = await asOwner((tx) => tx`select has_table_privilege('postgres', 'auth.users', 'REFERENCES') as refs`);
    assert.equal(priv.refs, true);
  });
});

describe('service_role', () => {
  it('bypasses RLS: sees every tenant, where a user sees one', async () => {
    const service = await asServiceRole((tx) => tx`select id from public.tenants where slug like 'test-%' order by id`);
    assert.deepEqual(service.map((r) => r.id), [TENANT.acme, TENANT.globex, TENANT.initech]);
    const user = await asUser(USER.alice, (tx) => tx`select id from public.tenants`);
    assert.deepEqual(user.map((r) => r.id), [TENANT.acme]);
  });
});

describe('auth.sessions and auth.refresh_tokens', () => {
  const columns = (table: string) => connect(superuserUrl())<{ column_name: string; data_type: string }[]>`
    select column_name, case when data_type = 'USER-DEFINED' then udt_schema || '.' || udt_name else data_type end as data_type
    from information_schema.columns where table_schema = 'auth' and table_name = ${table} order by ordinal_position`;

  it('have GoTrue\'s columns and types (auth migrations up to 20251111201300)', async () => {
    assert.deepEqual((await columns('sessions')).map((c) => `${c.column_name} ${c.data_type}`), [
      'id uuid', 'user_id uuid', 'created_at timestamp with time zone', 'updated_at timestamp with time zone', 'factor_id uuid',
      'aal auth.aal_level', 'not_after timestamp with time zone', 'refreshed_at timestamp without time zone', 'user_agent text',
      'ip inet', 'tag text', 'oauth_client_id uuid', 'refresh_token_hmac_key text', 'refresh_token_counter bigint', 'scopes text',
    ]);
    assert.deepEqual((await columns('refresh_tokens')).map((c) => `${c.column_name} ${c.data_type}`), [
      'instance_id uuid', 'id bigint', 'token character varying', 'user_id character varying', 'revoked boolean',
      'created_at timestamp with time zone', 'updated_at timestamp with time zone', 'parent character varying', 'session_id uuid',
    ]);
    const [enumRow] = await connect(superuserUrl())`select enum_range(null::auth.aal_level)::text as labels`;
    assert.equal(enumRow.labels, '{aal1,aal2,aal3}');
  });

  it('are owned by supabase_auth_admin with RLS on, unreadable to the API roles, readable by postgres', async () => {
    const owners = await connect(superuserUrl())`
      select c.relname, pg_get_userbyid(c.relowner) as owner, c.relrowsecurity as rls from pg_class c
      join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'auth' and c.relname in ('sessions', 'refresh_tokens') order by c.relname`;
    assert.deepEqual(owners.map((r) => ({ ...r })), [
      { relname: 'refresh_tokens', owner: 'supabase_auth_admin', rls: true },
      { relname: 'sessions', owner: 'supabase_auth_admin', rls: true },
    ]);
    await asAnon(async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select id from auth.sessions`)).code, '42501');
    });
    await asUser(USER.alice, async (tx) => {
      assert.equal((await sqlError(tx, (sp) => sp`select token from auth.refresh_tokens`)).code, '42501');
    });
    await asOwner((tx) => tx`select count(*) from auth.sessions, auth.refresh_tokens`);
  });

  it('go with their user: deleting a user removes its sessions and their refresh tokens (cascade)', async () => {
    const sql = connect(superuserUrl());
    await sql.begin(async (tx) => {
      const [u] = await tx`insert into auth.users (id, aud, role, email) values (gen_random_uuid(), 'authenticated', 'authenticated', 'cascade@auth-tests.dev') returning id`;
      const [s] = await tx`insert into auth.sessions (id, user_id, created_at, aal) values (gen_random_uuid(), ${u.id}, now(), 'aal1') returning id`;
      await tx`insert into auth.refresh_tokens (token, user_id, revoked, session_id) values ('abcdefghijkl', ${u.id}, false, ${s.id})`;
      await tx`delete from auth.users where id = ${u.id}`;
      const [left] = await tx`select (select count(*)::int from auth.sessions where id = ${s.id}) as sessions,
                                     (select count(*)::int from auth.refresh_tokens where session_id = ${s.id}) as tokens`;
      assert.deepEqual({ ...left }, { sessions: 0, tokens: 0 });
      throw new Error('rollback');
    }).catch((err) => { if ((err as Error).message !== 'rollback') throw err; });
  });

  it('the supabase_auth_admin login checks the seed\'s bcrypt passwords with pgcrypto, as the Auth stand-in does', async () => {
    const url = new URL(superuserUrl());
    url.username = 'supabase_auth_admin';
    url.password = 'postgres';
    const [row] = await connect(url.toString())`
      select extensions.crypt('password123', encrypted_password) = encrypted_password as ok,
             extensions.crypt('password124', encrypted_password) = encrypted_password as wrong,
             extensions.gen_salt('bf', 10) like '$2a$10$%' as cost10
      from auth.users where email = 'alice@acme.test'`;
    assert.deepEqual({ ...row }, { ok: true, wrong: false, cost10: true });
  });
});

describe('storage', () => {
  it('foldername, filename and extension split paths as Supabase Storage does', async () => {
    const rows = await asAnon((tx) => tx`
      select p, storage.foldername(p) as folders, storage.filename(p) as file, storage.extension(p) as ext
      from unnest(array['raw/user-1/response.json', 'c.png', 'a/b/archive.tar.gz', 'docs/README']) as p`);
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { p: 'raw/user-1/response.json', folders: ['raw', 'user-1'], file: 'response.json', ext: 'json' },
      { p: 'c.png', folders: [], file: 'c.png', ext: 'png' },
      { p: 'a/b/archive.tar.gz', folders: ['a', 'b'], file: 'archive.tar.gz', ext: 'gz' },
      { p: 'docs/README', folders: ['docs'], file: 'README', ext: 'README' },
    ]);
  });

  it('objects have RLS on and no policies: users cannot write, service_role can; path_tokens is generated', async () => {
    await asServiceRole(async (tx) => {
      await tx`insert into storage.buckets (id, name) values ('probe', 'probe')`;
      const [obj] = await tx`insert into storage.objects (bucket_id, name) values ('probe', 'raw/u/x.json') returning path_tokens`;
      assert.deepEqual(obj.path_tokens, ['raw', 'u', 'x.json']);
    });
    await asUser(USER.alice, async (tx) => {
      const err = await sqlError(tx, (sp) => sp`insert into storage.buckets (id, name) values ('mine', 'mine')`);
      assert.equal(err.code, '42501');
      assert.match(err.message, /row-level security/);
    });
  });

  it('leaves storage.objects without policies (a fresh bootstrap)', async () => {
    await withScratchDatabase('storage_policies', { migrate: false }, async (db) => {
      const [policies] = await db.open()`select count(*)::int as n from pg_policies where schemaname = 'storage'`;
      assert.equal(policies.n, 0);
    });
  });

  it('refuses direct deletes unless the Storage API allows them for its transaction', async () => {
    await asServiceRole(async (tx) => {
      await tx`insert into storage.buckets (id, name) values ('probe', 'probe')`;
      const err = await sqlError(tx, (sp) => sp`delete from storage.buckets where id = 'probe'`);
      assert.equal(err.code, '42501');
      await tx`select set_config('storage.allow_delete_query', 'true', true)`;
      const deleted = await tx`delete from storage.buckets where id = 'probe' returning id`;
      assert.equal(deleted.length, 1);
    });
  });
});

describe('bootstrap', () => {
  it('runs again without error and changes no role, schema or function definition', async () => {
    const snapshot = (sql: ReturnType<typeof connect>) => sql`
      select (select json_agg(r order by r.rolname) from (select rolname, rolsuper, rolinherit, rolbypassrls, rolcanlogin from pg_roles where rolname !~ '^pg_') r) as roles,
             (select json_agg(n.nspname || ':' || pg_get_userbyid(n.nspowner) order by n.nspname) from pg_namespace n) as schemas,
             (select json_agg(md5(pg_get_functiondef(p.oid)) order by p.oid) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('auth', 'storage')) as functions`;
    const sql = connect(superuserUrl());
    const before = await snapshot(sql);
    assert.equal(await applyPlatformBootstrap(superuserUrl(), 'postgres'), 'applied');
    assert.deepEqual(await snapshot(sql), before);
  });

  it('is skipped on a database that already is Supabase', async () => {
    // A scratch database with the marker a real Supabase Auth service leaves behind.
    const sql = connect(superuserUrl());
    await sql`drop database if exists bootstrap_probe`;
    await sql`create database bootstrap_probe`;
    const url = superuserUrl().replace(/\/postgres$/, '/bootstrap_probe');
    const probe = connect(url);
    await probe`create schema auth`;
    await probe`create table auth.schema_migrations (version text primary key)`;
    assert.equal(await applyPlatformBootstrap(url, 'postgres'), 'skipped-supabase');
    const [row] = await probe`select to_regprocedure('auth.uid()') is null as untouched`;
    assert.equal(row.untouched, true);
    await probe.end();
    await sql`drop database bootstrap_probe`;
  });

  it('ships as idempotent SQL files (no unguarded create)', () => {
    assert.ok(bootstrapFiles().length >= 4);
    const text = bootstrapScript();
    const unguarded = text.split('\n').filter((l) => /^\s*create (table|schema|index|unique index|extension) (?!if not exists)/i.test(l));
    assert.deepEqual(unguarded, []);
  });
});

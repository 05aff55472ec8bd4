/**
 * The role matrix of conversations, messages and feedback through supabase-js (anon, a member, a
 * member of another tenant, the tenant's admin, service_role × select/insert/update/delete), the
 * same answers tests/db/{conversations,messages,feedback}.test.ts get in SQL: a number is the rows
 * seen or changed (count=exact), a string the error code (42501 is 401 for anon, 403 otherwise).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, superuserUrl } from '../helpers/db.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';
import { anonDb, type Db, serviceDb, userDb } from '../helpers/rest.ts';

const CALLERS = ['anon', 'member', 'other', 'admin', 'service'] as const;
type Caller = (typeof CALLERS)[number];
type Expect = Record<Caller, number | string>;
type Op = 'select' | 'insert' | 'update' | 'delete';

const db = async (c: Caller): Promise<Db> =>
  c === 'anon' ? anonDb() : c === 'service' ? serviceDb() : await userDb({ member: USER.bob, other: USER.dave, admin: USER.alice }[c]);

/** Fresh rows owned by bob (acme member): a conversation, two messages, bob's feedback on the first. */
interface Fixture { conversation: string; m1: string; m2: string; feedback: string }
const made: string[] = [];
async function fixture(): Promise<Fixture> {
  const admin = connect(superuserUrl());
  const [c] = await admin`insert into public.conversations (tenant_id, user_id, title) values (${TENANT.acme}, ${USER.bob}, 'rest-matrix') returning id`;
  made.push(c.id);
  const ms = await admin`insert into public.messages (conversation_id, tenant_id, role, content) values (${c.id}, ${TENANT.acme}, 'user', 'one'), (${c.id}, ${TENANT.acme}, 'assistant', 'two') returning id`;
  const [f] = await admin`insert into public.feedback (message_id, tenant_id, user_id, rating) values (${ms[0].id}, ${TENANT.acme}, ${USER.bob}, 1) returning id`;
  return { conversation: c.id, m1: ms[0].id, m2: ms[1].id, feedback: f.id };
}

after(async () => {
  await connect(superuserUrl())`delete from public.conversations where id = any(${made})`;
});

interface TableCase {
  table: 'conversations' | 'messages' | 'feedback';
  target: (f: Fixture) => string;
  insert: (f: Fixture) => Record<string, unknown>;
  update: Record<string, unknown>;
  expect: Record<Op, Expect>;
}

const DENIED = '42501';
const CASES: TableCase[] = [
  {
    table: 'conversations', target: (f) => f.conversation, update: { title: 'rest-matrix renamed' },
    insert: () => ({ tenant_id: TENANT.acme, user_id: USER.bob, title: 'rest-matrix' }),
    expect: {
      select: { anon: DENIED, member: 1, other: 0, admin: 1, service: 1 },
      insert: { anon: DENIED, member: 1, other: DENIED, admin: DENIED, service: 1 },
      update: { anon: DENIED, member: 1, other: 0, admin: 1, service: 1 },
      delete: { anon: DENIED, member: 1, other: 0, admin: 1, service: 1 },
    },
  },
  {
    table: 'messages', target: (f) => f.m2, update: { content: 'edited' },
    insert: (f) => ({ conversation_id: f.conversation, tenant_id: TENANT.acme, role: 'user', content: 'three' }),
    expect: {
      select: { anon: DENIED, member: 1, other: 0, admin: 1, service: 1 },
      insert: { anon: DENIED, member: 1, other: DENIED, admin: DENIED, service: 1 },
      update: { anon: DENIED, member: 1, other: 0, admin: 1, service: 1 },
      delete: { anon: DENIED, member: 1, other: 0, admin: 1, service: 1 },
    },
  },
  {
    table: 'feedback', target: (f) => f.feedback, update: { rating: -1 },
    insert: (f) => ({ message_id: f.m2, tenant_id: TENANT.acme, user_id: USER.bob, rating: 1 }),
    expect: {
      select: { anon: DENIED, member: 1, other: 0, admin: 1, service: 1 },
      insert: { anon: DENIED, member: 1, other: DENIED, admin: DENIED, service: 1 },
      update: { anon: DENIED, member: 1, other: 0, admin: 0, service: 1 },
      delete: { anon: DENIED, member: 1, other: 0, admin: 0, service: 1 },
    },
  },
];

async function run(client: Db, tc: TableCase, op: Op, f: Fixture) {
  // One table's builder type for all three (their shared columns are what the matrix uses).
  const from = client.from(tc.table as 'conversations');
  const id = tc.target(f);
  const q = op === 'select' ? from.select('id', { count: 'exact' }).eq('id', id)
    : op === 'insert' ? from.insert(tc.insert(f) as never, { count: 'exact' })
    : op === 'update' ? from.update(tc.update as never, { count: 'exact' }).eq('id', id)
    : from.delete({ count: 'exact' }).eq('id', id);
  return await q;
}

describe('rest role matrix', () => {
  for (const tc of CASES) {
    for (const op of ['select', 'insert', 'update', 'delete'] as const) {
      it(`${tc.table} ${op}: ${CALLERS.map((c) => `${c} ${tc.expect[op][c]}`).join(', ')}`, async () => {
        for (const caller of CALLERS) {
          const f = await fixture();
          const res = await run(await db(caller), tc, op, f);
          const want = tc.expect[op][caller];
          const label = `${tc.table} ${op} as ${caller}`;
          if (typeof want === 'string') {
            assert.equal(res.error?.code, want, `${label}: ${JSON.stringify(res.error)}`);
            assert.equal(res.status, caller === 'anon' ? 401 : 403, label);
          } else {
            assert.equal(res.error, null, `${label}: ${JSON.stringify(res.error)}`);
            assert.equal(res.count, want, label);
          }
          // What the database holds agrees: refused or invisible writes changed nothing.
          const admin = connect(superuserUrl());
          const [row] = await admin.unsafe(`select count(*)::int as n from public.${tc.table} where id = $1`, [tc.target(f)]);
          assert.equal(row.n, op === 'delete' && want === 1 ? 0 : 1, `${label}: target row`);
        }
      });
    }
  }
});

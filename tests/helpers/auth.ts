/**
 * Helpers for the /auth/v1 tests: supabase-js clients that keep their session in memory, unique
 * test emails, a gateway of a test's own with [auth] settings changed in its config.toml (short
 * reuse intervals, low or high rate limits), and the auth tables' counts and invariants read as
 * the superuser.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { anonKey, apiUrl } from './api.ts';
import { connect, superuserUrl } from './db.ts';
import { startOwnGateway } from './own-gateway.ts';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** supabase-js as a frontend makes it, without a storage for the session (Node has no localStorage). */
export function authClient(url = apiUrl(), key = anonKey()): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
  });
}

let counter = 0;
/** An address no other test uses (its domain is one GoTrue accepts; nothing is ever mailed locally). */
export function uniqueEmail(tag: string): string {
  return `auth-${tag}-${process.pid}-${Date.now().toString(36)}-${counter++}@auth-tests.dev`;
}

/** Every account the auth tests made (their addresses end in @auth-tests.dev), removed with what hangs off them. */
export async function removeTestAccounts(): Promise<void> {
  await connect(superuserUrl())`delete from auth.users where email like ${`auth-%-${process.pid}-%@auth-tests.dev`}`;
}

type TomlValue = string | number | boolean;

/** config.toml text with `section.key = value` set (the key replaced in its section, or added to it). */
export function editToml(text: string, settings: Record<string, TomlValue>): string {
  const lines = text.split('\n');
  const render = (v: TomlValue) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  for (const [dotted, value] of Object.entries(settings)) {
    const cut = dotted.lastIndexOf('.');
    const section = dotted.slice(0, cut);
    const key = dotted.slice(cut + 1);
    let current = '';
    let sectionAt = -1;
    let done = false;
    for (let i = 0; i < lines.length && !done; i++) {
      const header = /^\s*\[([^\]]+)\]\s*$/.exec(lines[i]);
      if (header) { current = header[1].trim(); if (current === section) sectionAt = i; continue; }
      if (current === section && new RegExp(`^\\s*#?\\s*${key}\\s*=`).test(lines[i])) {
        lines[i] = `${key} = ${render(value)}`;
        done = true;
      }
    }
    if (done) continue;
    if (sectionAt < 0) lines.push(`[${section}]`, `${key} = ${render(value)}`);
    else lines.splice(sectionAt + 1, 0, `${key} = ${render(value)}`);
  }
  return lines.join('\n');
}

/** A gateway of the test's own whose config.toml is the project's with these [auth] settings. */
export async function startAuthGateway(settings: Record<string, TomlValue>): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-auth-config-'));
  const file = path.join(dir, 'config.toml');
  fs.writeFileSync(file, editToml(fs.readFileSync(path.join(repoRoot, 'supabase', 'config.toml'), 'utf8'), settings));
  const own = await startOwnGateway({ configToml: file });
  return {
    url: own.gateway.url,
    stop: async () => {
      await own.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AuthCounts { users: number; identities: number; sessions: number; refreshTokens: number; updated: string | null }

/**
 * Rows of the auth tables that belong to these addresses (their users, identities, sessions and
 * refresh tokens, and the latest change to any of them): for "a refused request changed nothing"
 * while other test files write other accounts at the same time.
 */
export async function authCounts(emails: string[]): Promise<AuthCounts> {
  const lower = emails.map((e) => e.toLowerCase());
  const [row] = await connect(superuserUrl())<AuthCounts[]>`
    with u as (select id, updated_at from auth.users where lower(email) = any(${lower}::text[])),
         s as (select id, updated_at from auth.sessions where user_id in (select id from u))
    select (select count(*)::int from u) as users,
           (select count(*)::int from auth.identities where user_id in (select id from u)) as identities,
           (select count(*)::int from s) as sessions,
           (select count(*)::int from auth.refresh_tokens where session_id in (select id from s)) as "refreshTokens",
           (select max(t)::text from (select updated_at as t from u union all select updated_at from s
              union all select updated_at from auth.identities where user_id in (select id from u)) x) as updated`;
  return { ...row };
}

/**
 * What must never exist: an account the gateway made (addresses of these tests) without an
 * identity, a session without a refresh token.
 */
export async function partialWrites(): Promise<{ usersWithoutIdentity: string[]; sessionsWithoutToken: string[] }> {
  const sql = connect(superuserUrl());
  const users = await sql<{ id: string }[]>`
    select u.id from auth.users u
    where (u.email like '%@auth-tests.dev' or u.email like '%@auth-fuzz.dev') and not u.is_anonymous
      and not exists (select 1 from auth.identities i where i.user_id = u.id)`;
  const sessions = await sql<{ id: string }[]>`
    select s.id from auth.sessions s where not exists (select 1 from auth.refresh_tokens t where t.session_id = s.id)`;
  return { usersWithoutIdentity: users.map((r) => r.id), sessionsWithoutToken: sessions.map((r) => r.id) };
}

/**
 * Benchmark: the local Data API stand-in (/rest/v1) against the same SQL run directly. At each data
 * scale (seed/load.ts): a user of the largest tenant reads their conversation list with the last
 * messages embedded through supabase-js, p50/p95, next to the statement the gateway sent (captured
 * from the server log with log_statement on a capture gateway of its own) run on a connection as
 * that user under RLS (asRole: role authenticated and request.jwt.claims), timed alone and as its
 * whole transaction; and messages inserted by 8 concurrent clients (users of that tenant, each in a
 * conversation of their own) through the Data API and directly, rows/s. Calls are interleaved
 * (gateway, direct, gateway…) so load from other processes falls on both alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import postgres, { type Sql } from 'postgres';
import WebSocket from 'ws';
import { asRole, type Claims } from '../lib/db-role.ts';
import { Gateway } from '../local/stack/gateway-process.ts';
import { freePort } from '../local/stack/postgres-server.ts';
import { median, percentile, round3 } from './measure.ts';
import { loadSeed } from './seed/load.ts';

/**
 * The read at one scale (ms): through the gateway with supabase-js; the statement alone inside a
 * transaction as the user (direct); begin, role and claims (one set_config), statement, commit
 * (direct_tx). ratio = gateway p50 / direct p50 (target ≤ 2). rows and embedded: conversations and
 * their messages in the answer. load_1m: the machine's 1-minute load average before and after the
 * calls (other processes share the cores: figures from a loaded machine are inflated).
 */
export interface RestReadRow {
  scale: string; messages: number; rows: number; embedded: number; response_kb: number;
  gateway_p50_ms: number; gateway_p95_ms: number; direct_p50_ms: number; direct_p95_ms: number;
  direct_tx_p50_ms: number; direct_tx_p95_ms: number; ratio: number; calls: number; load_1m: [number, number];
}
/** Messages inserted by `clients` concurrent clients, one row per request or transaction. */
export interface RestInsertRow { scale: string; clients: number; gateway_rows_per_s: number; direct_rows_per_s: number; ratio: number; load_1m: [number, number] }
/** What a request costs besides its statement, p50/p95 over calls made round-robin. */
export interface RestOverheadRow { target: string; p50_ms: number; p95_ms: number; calls: number }
/** The statement the gateway ran for the read, parameters as logged. */
export interface RestStatement { sql: string; params: (string | null)[] }
export interface RestFigures { statement: RestStatement; reads: RestReadRow[]; inserts: RestInsertRow[]; overhead: RestOverheadRow[] }

/** serverLog: the database server's log (the capture reads the statement there); loaded: a scale already loaded (by the scales section), measured first without loading it again. */
export interface RestBenchOptions {
  postgresUrl: string; superuserUrl: string; serverLog: string; jwtSecret: string; anonKey: string; serviceRoleKey: string;
  scales: string[]; loaded?: string; calls: number; seconds: number; runs: number; clients?: number;
}

const SELECT = 'id,title,messages(id,role,content)';
/** Sampling stops after --calls calls, or after this long once MIN_CALLS are in (a slow statement at a large scale). */
const BUDGET_MS = 60_000;
const MIN_CALLS = 30;
const QUERY_STRING = `select=${encodeURIComponent(SELECT)}&order=updated_at.desc&limit=20`;

/** GoTrue's access-token claims for a user (as tests/helpers/api.ts mints them). */
function claimsFor(userId: string, email: string): Claims {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: 'authenticated', role: 'authenticated', email, phone: '', app_metadata: { provider: 'email', providers: ['email'] }, user_metadata: {},
    aal: 'aal1', amr: [{ method: 'password', timestamp: now }], session_id: crypto.randomUUID(), is_anonymous: false,
    iss: 'http://127.0.0.1:54321/auth/v1', sub: userId, iat: now, exp: now + 3600,
  };
}

const sign = (claims: Claims, secret: string) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));

async function startGateway(opts: RestBenchOptions, root: string): Promise<Gateway> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(root, 'gateway-'));
  const gateway = new Gateway({
    host: '127.0.0.1', port, apiUrl: `http://127.0.0.1:${port}`, jwtSecret: opts.jwtSecret, anonKey: opts.anonKey,
    serviceRoleKey: opts.serviceRoleKey, dbUrl: opts.postgresUrl, storageRoot: path.join(dir, 'storage'), logFile: path.join(dir, 'gateway.log'),
    storageDbUrl: `postgresql://supabase_storage_admin:postgres@${new URL(opts.postgresUrl).host}/postgres`, schedules: false,
  });
  await gateway.start();
  return gateway;
}

const userClient = (url: string, anonKey: string, token: string): SupabaseClient => createClient(url, anonKey, {
  auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never }, global: { headers: { Authorization: `Bearer ${token}` } },
});

/** The last logged statement matching marker, with its parameters (log_statement = all, extended protocol; PostgreSQL 15 logs "parameters:", 16+ "Parameters:"). */
function parseLogged(log: string, marker: RegExp): RestStatement {
  const entries = log.split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/);
  for (let i = entries.length - 1; i >= 0; i--) {
    const m = /LOG: {2}execute [^:]*: ([\s\S]*)$/.exec(entries[i]);
    if (!m || !marker.test(m[1])) continue;
    const detail = /DETAIL: {2}[Pp]arameters: ([\s\S]*)$/.exec(entries[i + 1] ?? '')?.[1].trimEnd() ?? '';
    const params: (string | null)[] = [];
    for (const p of detail.matchAll(/\$(\d+) = (NULL|'((?:[^']|'')*)')/g)) params[Number(p[1]) - 1] = p[2] === 'NULL' ? null : p[3].replace(/''/g, "'");
    return { sql: m[1].trimEnd(), params };
  }
  throw new Error(`the gateway's statement was not in the server log (looked for ${marker})`);
}

/**
 * The statement the gateway runs for the read: a gateway of its own, started while the
 * authenticator login logs every statement, answers the request once; then logging is reset (the
 * measured gateway starts after, on connections without it).
 */
async function captureStatement(opts: RestBenchOptions, root: string, token: string): Promise<RestStatement> {
  const su = postgres(opts.superuserUrl, { max: 1, onnotice: () => {} });
  let gateway: Gateway | undefined;
  try {
    await su`alter role authenticator set log_statement = 'all'`;
    const from = fs.statSync(opts.serverLog).size;
    gateway = await startGateway(opts, root);
    const res = await fetch(`${gateway.url}/rest/v1/conversations?${QUERY_STRING}`, { headers: { apikey: opts.anonKey, Authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`the capture request answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    await res.arrayBuffer();
    await gateway.stop();
    gateway = undefined;
    await su`select pg_sleep(0.2)`; // the log is written by the backend; give it a moment
    const log = fs.readFileSync(opts.serverLog, 'utf8').slice(from);
    return parseLogged(log, /"conversations"[\s\S]*"messages"|"messages"[\s\S]*"conversations"/);
  } finally {
    await gateway?.stop();
    await su`alter role authenticator reset log_statement`;
    await su.end({ timeout: 5 });
  }
}

/** A fifth of the timed calls (3 to 20), for at most 5 s once 3 are done. */
async function warmUp(call: () => Promise<unknown>, calls: number): Promise<void> {
  const deadline = performance.now() + 5000;
  for (let i = 0; i < Math.min(20, Math.max(3, Math.floor(calls / 5))) && (i < 3 || performance.now() < deadline); i++) await call();
}

const sortedStats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round3(percentile(s, 50)), p95: round3(percentile(s, 95)) };
};

const load1m = () => Number(os.loadavg()[0].toFixed(2));

async function timeReads(scale: string, messages: number, db: SupabaseClient, sql: Sql, claims: Claims, statement: RestStatement, calls: number): Promise<RestReadRow> {
  const viaGateway = async () => {
    const { data, error } = await db.from('conversations').select(SELECT).order('updated_at', { ascending: false }).limit(20);
    if (error) throw new Error(`the Data API answered ${JSON.stringify(error)}`);
    return data as { messages: unknown[] }[];
  };
  let statementMs = 0;
  const direct = () => asRole(sql, 'authenticated', claims, async (tx) => {
    const t0 = performance.now();
    const rows = await tx.unsafe(statement.sql, statement.params as never[]);
    statementMs = performance.now() - t0;
    return rows;
  });
  await warmUp(async () => { await viaGateway(); await direct(); }, calls);
  const loadBefore = load1m();
  const gateway: number[] = [];
  const alone: number[] = [];
  const whole: number[] = [];
  const deadline = performance.now() + BUDGET_MS;
  for (let i = 0; i < calls && (i < MIN_CALLS || performance.now() < deadline); i++) {
    let t0 = performance.now();
    await viaGateway();
    gateway.push(performance.now() - t0);
    t0 = performance.now();
    await direct();
    whole.push(performance.now() - t0);
    alone.push(statementMs);
  }
  const data = await viaGateway();
  const [direct1] = await direct();
  const body = Object.values(direct1 as Record<string, unknown>).find((v) => typeof v === 'string' && v.startsWith('[')) as string | undefined;
  const bytes = body?.length ?? JSON.stringify(data).length;
  if (body && JSON.stringify(JSON.parse(body)) !== JSON.stringify(data)) throw new Error('the direct statement and the Data API answered differently');
  const [g, a, w] = [gateway, alone, whole].map(sortedStats);
  return {
    scale, messages, rows: data.length, embedded: data.reduce((n, c) => n + c.messages.length, 0), response_kb: Number((bytes / 1024).toFixed(1)),
    gateway_p50_ms: g.p50, gateway_p95_ms: g.p95, direct_p50_ms: a.p50, direct_p95_ms: a.p95, direct_tx_p50_ms: w.p50, direct_tx_p95_ms: w.p95,
    ratio: Number((g.p50 / a.p50).toFixed(2)), calls: gateway.length, load_1m: [loadBefore, load1m()],
  };
}

/** Rows per second of `clients` loops of `insert(i)` for `seconds`. */
async function insertRate(clients: number, seconds: number, insert: (client: number, n: number) => Promise<void>): Promise<number> {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    while (performance.now() < deadline) await insert(c, done++);
  }));
  return done / ((performance.now() - t0) / 1000);
}

interface Writer { conversationId: string; claims: Claims; db: SupabaseClient }

async function timeInserts(scale: string, writers: Writer[], url: string, opts: RestBenchOptions): Promise<RestInsertRow> {
  const content = (n: number) => `benchmark message ${n}: ${'lorem ipsum dolor sit amet '.repeat(8)}`;
  const viaGateway = async (c: number, n: number) => {
    const { error } = await writers[c].db.from('messages').insert({ conversation_id: writers[c].conversationId, role: 'user', content: content(n) });
    if (error) throw new Error(`the Data API insert answered ${JSON.stringify(error)}`);
  };
  const sql = postgres(url, { max: writers.length, onnotice: () => {} });
  try {
    await Promise.all(writers.map(() => sql`select 1`));
    const direct = async (c: number, n: number) => {
      await asRole(sql, 'authenticated', writers[c].claims, (tx) =>
        tx`insert into public.messages (conversation_id, role, content) values (${writers[c].conversationId}, 'user', ${content(n)})`);
    };
    await insertRate(writers.length, Math.min(0.5, opts.seconds), viaGateway); // warm-up
    await insertRate(writers.length, Math.min(0.5, opts.seconds), direct);
    const g: number[] = [];
    const d: number[] = [];
    const loadBefore = load1m();
    for (let r = 0; r < opts.runs; r++) {
      g.push(await insertRate(writers.length, opts.seconds, viaGateway));
      d.push(await insertRate(writers.length, opts.seconds, direct));
    }
    const ratio = Number((median(g) / median(d)).toFixed(2));
    return { scale, clients: writers.length, gateway_rows_per_s: Math.round(median(g)), direct_rows_per_s: Math.round(median(d)), ratio, load_1m: [loadBefore, load1m()] };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * What a Data API request costs besides its statement, on the loaded data: raw fetch of the same
 * URL (supabase-js's own cost is the difference), a one-row read, the direct transaction without
 * the statement, and the statement without json_agg (rows to the client instead).
 */
async function timeOverhead(gatewayUrl: string, opts: RestBenchOptions, token: string, sql: Sql, claims: Claims, statement: RestStatement, calls: number): Promise<RestOverheadRow[]> {
  const headers = { apikey: opts.anonKey, Authorization: `Bearer ${token}` };
  const get = (p: string) => async () => {
    const res = await fetch(`${gatewayUrl}${p}`, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
  };
  const inner = /^select [\s\S]*? from \(([\s\S]*)\) r$/.exec(statement.sql)?.[1];
  const targets: [string, () => Promise<unknown>][] = [
    ['gateway /health (HTTP only)', get('/health')],
    ['Data API, one row, one column (tenants?select=id&limit=1)', get('/rest/v1/tenants?select=id&limit=1')],
    ['Data API, the read, raw fetch (no supabase-js)', get(`/rest/v1/conversations?${QUERY_STRING}`)],
    ['direct: begin, set_config, commit (no statement)', () => asRole(sql, 'authenticated', claims, async () => undefined)],
    ['direct: the statement, rows instead of json_agg', () => asRole(sql, 'authenticated', claims, (tx) => tx.unsafe(inner ?? statement.sql, statement.params as never[]))],
  ];
  // Round-robin, so load from other processes falls on every target alike.
  for (const [, call] of targets) await warmUp(call, calls);
  const samples: number[][] = targets.map(() => []);
  const deadline = performance.now() + BUDGET_MS / 2;
  for (let i = 0; i < calls && (i < MIN_CALLS || performance.now() < deadline); i++) {
    for (const [k, [, call]] of targets.entries()) {
      const t0 = performance.now();
      await call();
      samples[k].push(performance.now() - t0);
    }
  }
  return targets.map(([target], k) => {
    const { p50, p95 } = sortedStats(samples[k]);
    return { target, p50_ms: p50, p95_ms: p95, calls: samples[k].length };
  });
}

export async function benchRestLatency(opts: RestBenchOptions): Promise<RestFigures> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-bench-rest-'));
  const sql = postgres(opts.postgresUrl, { max: 1, onnotice: () => {} });
  const clients = opts.clients ?? 8;
  const order = opts.loaded && opts.scales.includes(opts.loaded) ? [opts.loaded, ...opts.scales.filter((s) => s !== opts.loaded)] : opts.scales;
  let gateway: Gateway | undefined;
  try {
    let statement: RestStatement | undefined;
    const reads: RestReadRow[] = [];
    const inserts: RestInsertRow[] = [];
    let overhead: RestOverheadRow[] = [];
    for (const scale of order) {
      if (scale !== opts.loaded || reads.length) await loadSeed(opts.postgresUrl, scale, { replace: true });
      const users = await sql<{ id: string; email: string; tenant_id: string }[]>`
        select u.id, u.email, u.tenant_id from public.users u join public.tenants t on t.id = u.tenant_id
        where t.slug = 'load-1' order by u.role <> 'owner', u.id limit ${clients}`;
      const reader = users[0];
      const claims = claimsFor(reader.id, reader.email);
      const token = await sign(claims, opts.jwtSecret);
      statement ??= await captureStatement(opts, root, token);
      gateway ??= await startGateway(opts, root);
      const db = userClient(gateway.url, opts.anonKey, token);
      const [{ messages }] = await sql<{ messages: number }[]>`select count(*)::int as messages from public.messages`;
      reads.push(await timeReads(scale, messages, db, sql, claims, statement, opts.calls));
      if (scale === order[order.length - 1]) overhead = await timeOverhead(gateway.url, opts, token, sql, claims, statement, opts.calls);
      // The writers: users of the same tenant (again from the first when it has fewer), each in a new conversation of their own.
      const writers: Writer[] = [];
      for (let i = 0; i < clients; i++) {
        const u = users[i % users.length];
        const [conv] = await sql<{ id: string }[]>`insert into public.conversations (tenant_id, user_id, title) values (${u.tenant_id}, ${u.id}, 'rest benchmark') returning id`;
        const c = claimsFor(u.id, u.email);
        writers.push({ conversationId: conv.id, claims: c, db: userClient(gateway.url, opts.anonKey, await sign(c, opts.jwtSecret)) });
      }
      inserts.push(await timeInserts(scale, writers, opts.postgresUrl, opts));
    }
    return { statement: statement!, reads, inserts, overhead };
  } finally {
    await gateway?.stop();
    await sql.end({ timeout: 5 });
    fs.rmSync(root, { recursive: true, force: true });
  }
}

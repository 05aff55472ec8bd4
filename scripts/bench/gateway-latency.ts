/**
 * Benchmark: what the local gateway adds to a function call. p50/p95 over N sequential calls of
 * a no-op function through /functions/v1 (JWT verified), of the gateway's /health (no dispatch),
 * and of a bare Node HTTP server answering 204 (the client and loopback cost).
 */
import http from 'node:http';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { repoRoot } from '../lib/stack-config.ts';
import { Gateway } from '../local/stack/gateway-process.ts';
import { freePort } from '../local/stack/postgres-server.ts';

export interface LatencyRow { target: string; p50_ms: number; p95_ms: number; calls: number }

/** The gateway's round trips, by what was called. */
export interface GatewayLatency {
  /** A bare Node HTTP server answering 204: the client and loopback cost. */
  baseline: LatencyRow;
  health: LatencyRow;
  /** A no-op function through /functions/v1, JWT verified. */
  noop: LatencyRow;
  whoami: LatencyRow;
  submitFeedback: LatencyRow;
  /** ingest-response, one row per raw response size (2 KB, 200 KB). */
  ingest: LatencyRow[];
}

/** The rows in the order the table and the JSON list them. */
export function latencyRows(g: GatewayLatency): LatencyRow[] {
  return [g.baseline, g.health, g.noop, g.whoami, g.submitFeedback, ...g.ingest];
}

const row = (target: string, { p50, p95 }: { p50: number; p95: number }, calls: number): LatencyRow =>
  ({ target, p50_ms: Number(p50.toFixed(3)), p95_ms: Number(p95.toFixed(3)), calls });

async function measure(url: string, headers: Record<string, string>, calls: number): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 50; i++) await (await fetch(url, { headers })).arrayBuffer(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    samples.push(performance.now() - t0);
    if (res.status >= 300) throw new Error(`${url} answered ${res.status}`);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(calls * 0.5)], p95: samples[Math.floor(calls * 0.95)] };
}

async function measurePost(url: string, headers: Record<string, string>, body: (i: number) => string, calls: number): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 10; i++) await (await fetch(url, { method: 'POST', headers, body: body(i) })).arrayBuffer();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body: body(i) });
    await res.arrayBuffer();
    samples.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(calls * 0.5)], p95: samples[Math.floor(calls * 0.95)] };
}

/** p50/p95 of ingest-response for raw responses of about `size` bytes, each call a new response. */
async function measureIngest(url: string, serviceRoleKey: string, conversationId: string, size: number, calls: number): Promise<{ p50: number; p95: number }> {
  const filler = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. ';
  const body = (i: number) => JSON.stringify({
    conversation_id: conversationId,
    // Turns of at most 40 KB (a turn holds up to 100,000 characters).
    raw_response: JSON.stringify({
      turns: [{ role: 'user', content: `question ${i}` }, ...Array.from({ length: Math.ceil(size / 40960) }, (_, k) => ({
        role: 'assistant', content: filler.repeat(Math.ceil(Math.min(40960, size - k * 40960) / filler.length)).slice(0, Math.min(40960, size - k * 40960)),
      }))],
    }),
    idempotency_key: `bench-${size}-${i}-${Date.now()}`,
  });
  const headers = { Authorization: `Bearer ${serviceRoleKey}`, 'Content-Type': 'application/json' };
  for (let i = 0; i < 5; i++) await (await fetch(url, { method: 'POST', headers, body: body(-i - 1) })).arrayBuffer();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const payload = body(i);
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body: payload });
    const answer = await res.json();
    samples.push(performance.now() - t0);
    if (res.status !== 200 || answer.processing_status !== 'completed') throw new Error(`ingest-response answered ${res.status} ${JSON.stringify(answer)}`);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(calls * 0.5)], p95: samples[Math.floor(calls * 0.95)] };
}

export async function benchGatewayLatency(opts: { postgresUrl: string; superuserUrl: string; jwtSecret: string; anonKey: string; serviceRoleKey: string; calls: number; ingestCalls: number }): Promise<GatewayLatency> {
  const port = await freePort();
  const storageRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-bench-storage-'));
  const db = new URL(opts.postgresUrl);
  const gateway = new Gateway({
    host: '127.0.0.1', port, apiUrl: `http://127.0.0.1:${port}`, jwtSecret: opts.jwtSecret, anonKey: opts.anonKey,
    serviceRoleKey: opts.serviceRoleKey, dbUrl: opts.postgresUrl,
    storageDbUrl: `postgresql://supabase_storage_admin:postgres@${db.host}/postgres`, storageRoot,
    logFile: path.join(storageRoot, 'gateway.log'),
    extraFunctionDirs: [path.join(repoRoot, 'tests', 'fixtures', 'functions')],
    schedules: false,
  });
  const bare = http.createServer((_req, res) => { res.statusCode = 204; res.end(); });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
  try {
    await gateway.start();
    const headers = { apikey: opts.anonKey };
    const get = async (target: string, url: string, h: Record<string, string> = {}) => row(target, await measure(url, h, opts.calls), opts.calls);
    const baseline = await get('bare Node HTTP server (baseline)', `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);
    const health = await get('gateway /health', `${gateway.url}/health`);
    const noop = await get('gateway no-op function (JWT verified)', `${gateway.url}/functions/v1/fixture-noop`, headers);
    const whoami = await get('gateway whoami (JWT + one DB transaction)', `${gateway.url}/functions/v1/whoami`, headers);
    // submit-feedback as a seed user (alice, on an acme answer), alternating the rating.
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ role: 'authenticated', aud: 'authenticated' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('20000000-0000-4000-8000-000000000001').setIssuedAt(now).setExpirationTime(now + 3600).sign(new TextEncoder().encode(opts.jwtSecret));
    const feedback = await measurePost(`${gateway.url}/functions/v1/submit-feedback`, { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      (i) => JSON.stringify({ message_id: '40000000-0000-4000-8000-000000000012', rating: i % 2 ? 1 : -1 }), opts.calls);
    const submitFeedback = row('submit-feedback (upsert + live summary)', feedback, opts.calls);
    const sql = postgres(opts.postgresUrl, { max: 1, onnotice: () => {} });
    const [conv] = await sql`insert into public.conversations (tenant_id, user_id, title)
                             select tenant_id, id, 'ingest benchmark' from public.users order by id limit 1 returning id`;
    await sql.end();
    const ingest: LatencyRow[] = [];
    for (const size of [2 * 1024, 200 * 1024]) {
      const figures = await measureIngest(`${gateway.url}/functions/v1/ingest-response`, opts.serviceRoleKey, conv.id, size, opts.ingestCalls);
      ingest.push(row(`ingest-response ${size / 1024} KB (store, parse, insert)`, figures, opts.ingestCalls));
    }
    return { baseline, health, noop, whoami, submitFeedback, ingest };
  } finally {
    await gateway.stop();
    bare.close();
    fs.rmSync(storageRoot, { recursive: true, force: true });
  }
}

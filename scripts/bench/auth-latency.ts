/**
 * Benchmark: the local Auth stand-in (/auth/v1) through the gateway, as supabase-js calls it. p50
 * and p95 over N sequential requests of: password sign-in of an account hashed like GoTrue's
 * (bcrypt cost 10, the cost sign-ups and admin-made accounts get), of the seed's alice (the seed's
 * hashes are cost 6), a refresh-token grant, GET /user, and a sign-up (hash plus user, identity,
 * session and refresh token in one transaction). On a throwaway database and a gateway whose
 * config.toml lifts the per-IP limits (30 sign-ins per 5 minutes would stop the run).
 *
 *   node --import tsx scripts/bench/auth-latency.ts [--calls 200] [--json <file>]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCli, positiveInt, runCli } from '../lib/cli.ts';
import { DEFAULT_JWT_SECRET, repoRoot, signApiKey } from '../lib/stack-config.ts';
import { startThrowawayDatabase } from '../local/stack/database.ts';
import { Gateway } from '../local/stack/gateway-process.ts';
import { freePort } from '../local/stack/ports.ts';

export interface AuthLatencyRow { target: string; p50_ms: number; p95_ms: number; calls: number }

const USAGE = 'node --import tsx scripts/bench/auth-latency.ts [--calls N] [--json <file>]';

async function timed(calls: number, call: (i: number) => Promise<Response>, target: string): Promise<AuthLatencyRow> {
  for (let i = 0; i < Math.min(10, calls); i++) await (await call(-i - 1)).arrayBuffer(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    const res = await call(i);
    const text = await res.text();
    samples.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${target} answered ${res.status}: ${text.slice(0, 200)}`);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => Number(samples[Math.min(calls - 1, Math.floor(p * calls))].toFixed(2));
  return { target, p50_ms: at(0.5), p95_ms: at(0.95), calls };
}

/** The figures, on a database and gateway of their own. */
export async function benchAuthLatency(calls: number): Promise<AuthLatencyRow[]> {
  const db = await startThrowawayDatabase({ seed: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-bench-auth-'));
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(config, fs.readFileSync(path.join(repoRoot, 'supabase', 'config.toml'), 'utf8')
    .replace(/^sign_in_sign_ups = \d+$/m, 'sign_in_sign_ups = 1000000').replace(/^token_refresh = \d+$/m, 'token_refresh = 1000000'));
  const port = await freePort();
  const anonKey = await signApiKey('anon', DEFAULT_JWT_SECRET);
  const serviceRoleKey = await signApiKey('service_role', DEFAULT_JWT_SECRET);
  const gateway = new Gateway({
    host: '127.0.0.1', port, apiUrl: `http://127.0.0.1:${port}`, jwtSecret: DEFAULT_JWT_SECRET, anonKey, serviceRoleKey,
    dbUrl: db.postgresUrl, storageDbUrl: `postgresql://supabase_storage_admin:postgres@127.0.0.1:${db.port}/postgres`,
    storageRoot: path.join(dir, 'storage'), logFile: path.join(dir, 'gateway.log'), configToml: config, schedules: false,
  });
  try {
    await gateway.start();
    const base = `${gateway.url}/auth/v1`;
    const headers = { apikey: anonKey, 'Content-Type': 'application/json;charset=UTF-8', 'X-Supabase-Api-Version': '2024-01-01' };
    const post = (p: string, body: unknown, h: Record<string, string> = {}) => fetch(`${base}${p}`, { method: 'POST', headers: { ...headers, ...h }, body: JSON.stringify(body) });
    const made = await post('/admin/users', { email: 'bench@auth-bench.dev', password: 'bench-pass-1', email_confirm: true }, { Authorization: `Bearer ${serviceRoleKey}` });
    if (made.status !== 200) throw new Error(`creating the bench account answered ${made.status}: ${await made.text()}`);
    const session = await (await post('/token?grant_type=password', { email: 'bench@auth-bench.dev', password: 'bench-pass-1' })).json();
    let refreshToken: string = session.refresh_token;
    const rows = [
      await timed(calls, () => post('/token?grant_type=password', { email: 'bench@auth-bench.dev', password: 'bench-pass-1' }), 'sign-in, bcrypt cost 10 (GoTrue\'s)'),
      await timed(calls, () => post('/token?grant_type=password', { email: 'alice@acme.test', password: 'password123' }), 'sign-in, seed account (bcrypt cost 6)'),
      await timed(calls, async () => {
        const res = await post('/token?grant_type=refresh_token', { refresh_token: refreshToken });
        const body = await res.clone().json();
        if (body.refresh_token) refreshToken = body.refresh_token;
        return res;
      }, 'refresh-token grant (rotation)'),
      await timed(calls, () => fetch(`${base}/user`, { headers: { ...headers, Authorization: `Bearer ${session.access_token}` } }), 'GET /user (token + session check)'),
      await timed(Math.max(1, Math.floor(calls / 4)), (i) => post('/signup', { email: `bench-${i < 0 ? `w${-i}` : i}@auth-bench.dev`, password: 'bench-pass-1' }),
        'sign-up (cost-10 hash, user, identity, session)'),
    ];
    return rows;
  } finally {
    await gateway.stop();
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('auth-latency', async () => {
    const args = parseCli({ calls: { type: 'string' }, json: { type: 'string' } }, USAGE);
    const calls = positiveInt('calls', args.calls, 200);
    const rows = await benchAuthLatency(calls);
    const width = Math.max(...rows.map((r) => r.target.length));
    console.log(`\n${'request'.padEnd(width)}  p50 ms  p95 ms  calls`);
    for (const r of rows) console.log(`${r.target.padEnd(width)}  ${String(r.p50_ms).padStart(6)}  ${String(r.p95_ms).padStart(6)}  ${String(r.calls).padStart(5)}`);
    if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, rows }, null, 2)}\n`);
    return 0;
  });
}

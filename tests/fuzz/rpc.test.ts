/**
 * Fuzz every SQL RPC in `public` through supabase-js against the local Data API (/rest/v1/rpc/…):
 * one property per function the generated types declare (a function without a generator fails),
 * each run one call as one of the world's callers (anon, service_role, owners, admins and members
 * of two tenants of the suite's own, accounts without a profile, an account that does not exist,
 * the seed's admins and members of acme and globex) with valid values mixed with hostile ones
 * (tests/helpers/rpc-fuzz-calls.ts). Properties (tests/helpers/rpc-fuzz-expect.ts): no 5xx; an
 * error is PostgREST's {code, details, hint, message} with a code the function documents (or of
 * the argument conversion, PGRST202, or 42501 without EXECUTE); a refused call changes no row; an
 * accepted call changes exactly what its function documents (the rows of the world and the seed
 * before and after: tests/helpers/rpc-fuzz-world.ts). Settings as the suite's
 * (tests/helpers/fuzz.ts): FUZZ_SECONDS per function (default 0.6), FUZZ_RUNS (calls per function,
 * in shards under FUZZ_MAX_MINUTES with FUZZ_PROGRESS_FILE), FUZZ_SEED, FUZZ_PATH and FUZZ_ONLY
 * (replay), FUZZ_KEEP_GOING, FUZZ_STATS_FILE.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from '@supabase/supabase-js';
import fc from 'fast-check';
import WebSocket from 'ws';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import type { Database } from '../../types/database.types.ts';
import { anonKey, apiUrl, serviceRoleKey, userToken } from '../helpers/api.ts';
import { printTable, type RouteStats, Violation } from '../helpers/fuzz-report.ts';
import { CALLS, type FnName, type RpcCall } from '../helpers/rpc-fuzz-calls.ts';
import { type Answer, answerProblems, type Contract, EFFECTS, loadContracts } from '../helpers/rpc-fuzz-expect.ts';
import { describeArgs } from '../helpers/rpc-fuzz-values.ts';
import { type CallerName, createRpcWorld, destroyRpcWorld, diff, restore, type RpcWorld, type Snapshot, snapshot } from '../helpers/rpc-fuzz-world.ts';

const env = process.env;
const lane = env.TEST_PG_MAJOR ?? '';
const runsSet = env.FUZZ_RUNS !== undefined;
const seconds = env.FUZZ_SECONDS ? Number(env.FUZZ_SECONDS) : runsSet ? 0 : 0.6;
const hardStopAt = Date.now() + Number(env.FUZZ_MAX_MINUTES ?? 4) * 60_000;
const keepGoing = env.FUZZ_KEEP_GOING === '1';
const progress: Record<string, number> = env.FUZZ_PROGRESS_FILE && fs.existsSync(env.FUZZ_PROGRESS_FILE)
  ? JSON.parse(fs.readFileSync(env.FUZZ_PROGRESS_FILE, 'utf8')) : {};

/** The functions of `public` as the generated types declare them (Database['public']['Functions']). */
function typedFunctions(): string[] {
  const text = fs.readFileSync(path.join(repoRoot, 'supabase', 'functions', '_shared', 'database.types.ts'), 'utf8');
  const pub = text.search(/\n  "?public"?: \{/);
  const from = text.indexOf('\n    Functions: {', pub);
  const to = text.indexOf('\n    Enums: {', from);
  assert.ok(pub > 0 && from > pub && to > from, 'cannot find public.Functions in database.types.ts');
  return [...text.slice(from, to).matchAll(/^ {6}"?([a-z_][a-z0-9_]*)"?: \{/gm)].map((m) => m[1]);
}
const FUNCTIONS = typedFunctions();

let world: RpcWorld;
let contracts: Map<string, Contract>;
const clients = new Map<CallerName, ReturnType<typeof createClient<Database>>>();
const stats: RouteStats[] = [];
const codes: Record<string, Record<string, number>> = {};
const options = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } };

before(async () => {
  world = await createRpcWorld();
  contracts = await loadContracts();
  for (const c of Object.values(world.callers)) {
    const headers = c.id ? { Authorization: `Bearer ${await userToken(c.id, { email: c.email, expiresIn: 24 * 3600 })}` } : undefined;
    clients.set(c.name, createClient<Database>(apiUrl(), c.role === 'service_role' ? serviceRoleKey() : anonKey(), { ...options, ...(headers ? { global: { headers } } : {}) }));
  }
});
after(async () => {
  await destroyRpcWorld(world);
  printTable('rpc', stats);
  for (const s of stats) if (codes[s.route]) console.log(`${s.route}: ${Object.entries(codes[s.route]).sort().map(([k, v]) => `${k}:${v}`).join(' ')}`);
  if (env.FUZZ_STATS_FILE && stats.length) fs.appendFileSync(env.FUZZ_STATS_FILE, stats.map((s) => JSON.stringify({ file: 'rpc', lane, ...s })).join('\n') + '\n');
});

test('fuzz rpc: every function in public has a generator, and the generated types list them all', async () => {
  const exposed = [...(await loadContracts()).values()].filter((c) => Object.values(c.grants).some(Boolean)).map((c) => c.name);
  assert.deepEqual([...FUNCTIONS].sort(), exposed.sort(), 'the generated types and the migrated catalog disagree (npm run gen:types)');
  const missing = FUNCTIONS.filter((f) => !(f in CALLS) || !(f in EFFECTS));
  assert.deepEqual(missing, [], `no arbitrary (tests/helpers/rpc-fuzz-calls.ts) or effects (rpc-fuzz-expect.ts) for: ${missing.join(', ')}`);
});

async function send(call: RpcCall): Promise<Answer> {
  const db = clients.get(call.caller)!;
  const res = await (db.rpc as (fn: string, a: object, o: object) => any)(call.fn, call.args, call.get ? { get: true } : {}).retry(false);
  return { status: res.status, data: res.data, error: res.error };
}

const describe = (call: RpcCall, res: Answer, changes: string) =>
  `${call.get ? 'GET' : 'POST'} rpc/${call.fn} as ${call.caller} ${describeArgs(call.args)}\n-> ${res.status} ${JSON.stringify(res.error ?? res.data)?.slice(0, 400)}${changes ? `\nchanged: ${changes}` : ''}`;

let pending = FUNCTIONS.length;
for (const fn of FUNCTIONS) {
  const route = `rpc ${fn}`;
  const toRun = runsSet ? Number(env.FUZZ_RUNS) - (progress[`${lane}|${route}`] ?? 0) : Infinity;
  const only = env.FUZZ_ONLY;
  const skip = (only !== undefined && !(env.FUZZ_PATH ? route === only : route.includes(only))) || toRun <= 0;
  if (skip) pending--;
  test(`fuzz ${route}`, { skip, timeout: 24 * 3600_000 }, async () => {
    const make = (CALLS as Partial<typeof CALLS>)[fn as FnName];
    assert.ok(make && (EFFECTS as Partial<typeof EFFECTS>)[fn as FnName], `no arbitrary for rpc ${fn}: add one to CALLS in tests/helpers/rpc-fuzz-calls.ts and its effects to EFFECTS in rpc-fuzz-expect.ts`);
    const contract = contracts.get(fn)!;
    const s: RouteStats = { route, runs: 0, requests: 0, statuses: {}, ms: 0, seed: 0, failed: false, unconfirmed: {} };
    stats.push(s);
    const seen = (codes[route] = {} as Record<string, number>);
    const classes = new Map<string, { n: number; example: string }>();
    let last: Snapshot | undefined;
    let stopAt = Infinity;
    const timing = { send: 0, snapshot: 0, effects: 0 };
    const timed = async <T>(k: keyof typeof timing, p: Promise<T>) => { const t = performance.now(); try { return await p; } finally { timing[k] += performance.now() - t; } };
    const runOnce = async (call: RpcCall) => {
      if (performance.now() > stopAt) return; // past the budget (shrinking included) every run passes
      s.runs++;
      s.requests++;
      const before = last ?? await timed('snapshot', snapshot(world));
      last = undefined;
      const res = await timed('send', send(call));
      s.statuses[res.status || 'none'] = (s.statuses[res.status || 'none'] ?? 0) + 1;
      const code = res.status < 300 ? String(res.status) : String(res.error?.code);
      seen[code] = (seen[code] ?? 0) + 1;
      const after = await timed('snapshot', snapshot(world));
      const changes = diff(before, after);
      const caller = world.callers[call.caller];
      const problems = answerProblems(call, res, contract, caller);
      if (res.status >= 200 && res.status < 300) {
        problems.push(...await timed('effects', EFFECTS[call.fn](call, res.data, changes, caller, world)));
        if (changes.length) await restore(world); else last = after;
      } else if (changes.length) {
        problems.push(`partial write: refused with ${res.status} ${res.error?.code}, but changed ${changes.map((c) => `${c.key} (${c.kind})`).join(', ')}`);
        await restore(world);
      } else {
        last = after;
      }
      if (!problems.length) return;
      const text = `${problems.join('\n')}\n${describe(call, res, changes.map((c) => `${c.key} ${c.kind}: ${JSON.stringify(c.before)?.slice(0, 300)} -> ${JSON.stringify(c.after)?.slice(0, 300)}`).join('\n  '))}`;
      if (!keepGoing) throw new Violation(text);
      const key = problems[0].replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\d+/g, 'N').slice(0, 160);
      const c = classes.get(key);
      if (c) c.n++; else classes.set(key, { n: 1, example: text });
    };
    // The run fast-check was waiting for when its time was up: finished before the next function's runs.
    let inFlight: Promise<unknown> = Promise.resolve();
    const property = fc.asyncProperty(make(world), (call) => (inFlight = runOnce(call)));
    const seed = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
    s.seed = seed;
    const budget = seconds > 0 ? seconds * 1000 : (hardStopAt - Date.now()) / Math.max(pending--, 1);
    const shrinkMs = Math.min(Number(env.FUZZ_SHRINK_SECONDS ?? 30) * 1000, Math.max(hardStopAt - Date.now() - budget, 5000));
    const t0 = performance.now();
    stopAt = t0 + budget + shrinkMs;
    const result = await fc.check(property, { seed, numRuns: runsSet ? toRun : 1_000_000, path: env.FUZZ_PATH, plugins: [fc.interruptAfterTimeLimit(Math.max(budget, 1))] });
    await inFlight.catch(() => {});
    s.ms = performance.now() - t0;
    if (env.FUZZ_DEBUG) console.log(`${route}: ${s.runs} runs in ${s.ms.toFixed(0)} ms: sending ${timing.send.toFixed(0)} ms, snapshots ${timing.snapshot.toFixed(0)} ms, effects ${timing.effects.toFixed(0)} ms`);
    s.failed = result.failed || classes.size > 0;
    if (result.failed) {
      const replay = `replay: npm run test:fuzz -- --only '${route}' --seed ${result.seed}${result.counterexamplePath ? ` --path '${result.counterexamplePath}'` : ''} tests/fuzz/rpc.test.ts`;
      const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      assert.fail(`${route}: failed after ${result.numRuns} runs (seed ${result.seed}), shrunk ${result.numShrinks} times\nWhat failed:\n${why.slice(0, 4000)}\n${replay}`);
    }
    if (classes.size) assert.fail(`${route}: ${classes.size} failure classes (seed ${seed}, FUZZ_KEEP_GOING)\n${[...classes].map(([k, v], i) => `--- class ${i + 1} (${v.n}×): ${k}\n${v.example.slice(0, 2000)}`).join('\n')}`);
  });
}

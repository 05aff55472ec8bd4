/**
 * Fuzz /rest/v1: generated PostgREST query strings, bodies, headers and credentials against every
 * method of tables, views and RPCs; half of them fully hostile, half built from the schema cache
 * (real columns, embeds, operators and argument names, hostile values: tests/helpers/rest-sql-gen.ts)
 * so that they reach Postgres, sent as the fuzz world's users (service_role only to read; functions
 * only by GET, read-only, so no job or other tenant is touched). Properties: no 5xx; every refusal in PostgREST's error shape
 * {code, details, hint, message} (HEAD: no body); a refused request writes nothing (the fuzz
 * world's rows are unchanged). Settings as in the suite (tests/helpers/fuzz.ts): FUZZ_SECONDS
 * (default 3), FUZZ_RUNS (a number of requests: then no time limit but FUZZ_MAX_MINUTES, 4, per
 * shard; FUZZ_PROGRESS_FILE counts earlier shards' runs), FUZZ_SEED, FUZZ_STATS_FILE (the figures
 * for `npm run test:fuzz`).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { loadSchemaCache, type SchemaCache } from '../../scripts/local/gateway/rest/schema.ts';
import { anonKey, apiUrl } from '../helpers/api.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { createWorld, destroyWorld, type FuzzWorld } from '../helpers/fuzz-fixture.ts';
import { printTable, type RouteStats } from '../helpers/fuzz-report.ts';
import { authHeaders, buildCredentials, type Credentials } from '../helpers/fuzz-tokens.ts';
import { restFingerprint } from '../helpers/rest-fuzz.ts';
import { hostileRequest, rpcRequest, type SqlRequest, tableRequest } from '../helpers/rest-sql-gen.ts';

const env = process.env;
const ROUTE = 'rest /rest/v1';
const lane = env.TEST_PG_MAJOR ?? '';
const runsSet = env.FUZZ_RUNS !== undefined;
const progress: Record<string, number> = env.FUZZ_PROGRESS_FILE && fs.existsSync(env.FUZZ_PROGRESS_FILE)
  ? JSON.parse(fs.readFileSync(env.FUZZ_PROGRESS_FILE, 'utf8')) : {};
const toRun = runsSet ? Number(env.FUZZ_RUNS) - (progress[`${lane}|${ROUTE}`] ?? 0) : 1_000_000;
const seconds = env.FUZZ_SECONDS ? Number(env.FUZZ_SECONDS) : runsSet ? 0 : 3;
/** With a run count alone, stop before the harness's limits (FUZZ_MAX_MINUTES per shard). */
const hardStopAt = Date.now() + Number(env.FUZZ_MAX_MINUTES ?? 4) * 60_000;

let world: FuzzWorld;
let creds: Credentials;
let cache: SchemaCache;
const stats: RouteStats = { route: ROUTE, runs: 0, requests: 0, statuses: {}, ms: 0, seed: 0, failed: false, unconfirmed: {} };
before(async () => {
  world = await createWorld('rest');
  const { owner, admin, member, outsider } = world.users;
  creds = await buildCredentials({ owner, admin, member, outsider });
  cache = await loadSchemaCache(connect(superuserUrl()), ['public', 'graphql_public']);
});
after(async () => {
  await destroyWorld(world);
  if (!stats.runs) return;
  printTable('rest', [stats]);
  if (env.FUZZ_STATS_FILE) fs.appendFileSync(env.FUZZ_STATS_FILE, `${JSON.stringify({ file: 'rest', lane, ...stats })}\n`);
});

function jsonOf(text: string, label: string): object | null {
  try { return JSON.parse(text); } catch { return assert.fail(`not JSON: ${label}`); }
}

/**
 * The one 5xx PostgREST itself gives here: a write to a view Postgres cannot update (SQLSTATE
 * 55000, which PostgREST maps to 500; its schema cache's insertable/updatable flags only shape
 * OPTIONS). Anything else at 5xx is a failure.
 */
function postgrestsOwn500(status: number, text: string): boolean {
  let body: { code?: string; message?: string } | null = null;
  try { body = JSON.parse(text); } catch { /* not an error body */ }
  return status === 500 && body?.code === '55000' && /^cannot (insert into|update|delete from) view /.test(body.message ?? '');
}

it('fuzz /rest/v1: no 5xx, PostgREST error shape, refusals write nothing', { skip: toRun <= 0, timeout: 24 * 3600_000 }, async () => {
  let before = await restFingerprint(world);
  const hostile = fc.tuple(hostileRequest, authHeaders(creds)).map(([req, auth]) => ({ ...req, auth }));
  const caller = fc.constantFrom('user:owner', 'user:admin', 'user:member', 'user:outsider', 'key:anon', 'key:service_role');
  // (URLs past a few KB are refused by the HTTP server in front, as Kong would, before any service.)
  const builtRequest = fc.oneof({ weight: 3, arbitrary: tableRequest(cache) }, { weight: 1, arbitrary: rpcRequest(cache, ['GET']) }).filter((r) => r.query.length < 6000);
  const built = fc.tuple(builtRequest, caller).map(([req, who]) => {
    const name = who === 'key:service_role' && req.method !== 'GET' && req.method !== 'HEAD' ? 'user:member' : who;
    return { ...req, auth: { headers: [['Authorization', `Bearer ${creds[name]}`], ['apikey', anonKey()]] as [string, string][], note: `built ${name}` } };
  });
  const property = fc.asyncProperty(fc.oneof(hostile, built), async (r: SqlRequest & { auth: { headers: [string, string][]; note: string } }) => {
    stats.runs++;
    stats.requests++;
    const headers = new Headers(r.headers);
    for (const [k, v] of r.auth.headers) headers.set(k, v);
    const hasBody = ['POST', 'PATCH', 'PUT'].includes(r.method);
    if (!hasBody) headers.delete('content-type');
    const res = await fetch(`${apiUrl()}/rest/v1${r.path}${r.query ? `?${r.query}` : ''}`, { method: r.method, headers, body: hasBody ? r.body : undefined });
    const text = await res.text();
    stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
    const query = [...new URLSearchParams(r.query)].map(([k, v]) => `${k}=${v}`).join('&');
    const label = `${r.method} ${r.path}?${query} (decoded) [${r.auth.note}] ${JSON.stringify(Object.fromEntries(r.headers))} body ${hasBody ? r.body.slice(0, 200) : '-'} -> ${res.status} ${text.slice(0, 300)}`;
    assert.ok(res.status < 500 || postgrestsOwn500(res.status, text), label);
    if (res.status >= 400) {
      if (r.method === 'HEAD') assert.equal(text, '', label);
      else assert.deepEqual(Object.keys(jsonOf(text, label) ?? {}).sort(), ['code', 'details', 'hint', 'message'], label);
      const after = await restFingerprint(world);
      assert.equal(after, before, `a refused request changed the world: ${label}`);
    } else {
      before = await restFingerprint(world);
    }
  });
  const seed = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
  stats.seed = seed;
  const budget = seconds > 0 ? seconds * 1000 : Math.max(hardStopAt - Date.now(), 1000);
  const t0 = performance.now();
  const outcome = await fc.check(property, { seed, numRuns: toRun, plugins: [fc.interruptAfterTimeLimit(budget)], endOnFailure: true });
  stats.ms = performance.now() - t0;
  stats.failed = outcome.failed;
  // The counterexample, cut short (hostile values can be megabytes).
  if (outcome.failed) assert.fail(`${String((outcome.errorInstance as Error)?.message ?? outcome.errorInstance).slice(0, 1500)} (seed ${outcome.seed})`);
  console.log(`rest fuzz statuses: ${JSON.stringify(stats.statuses)}`);
});

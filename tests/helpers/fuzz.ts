/**
 * The fuzz suite's runner: one fast-check property per route, each run one hostile request over
 * real HTTP to the test gateway, asserting (1) no 5xx, (2) the one error shape of its prefix
 * (functions: {"error": {code, message, details?}}; storage: {statusCode, code, error, message};
 * HEAD: no body), (3) a refused request changes nothing (the world's fingerprint before and after).
 *
 * Settings (environment): FUZZ_SECONDS time per route (default 2.5), FUZZ_RUNS runs per route
 * (default: as many as fit), FUZZ_SEED, FUZZ_PATH (replay one counterexample, with FUZZ_ONLY naming its route),
 * FUZZ_ONLY (route names containing this), FUZZ_KEEP_GOING=1 (collect every failure class instead
 * of stopping at the first and shrinking it), FUZZ_SHRINK_SECONDS (30), FUZZ_DEBUG=1 (where the
 * time went), FUZZ_STATS_FILE (append per-route figures as JSON), FUZZ_PROGRESS_FILE (runs done per
 * route by earlier shards of a long run: only the rest is run). With FUZZ_RUNS alone, the routes of
 * a file share FUZZ_MAX_MINUTES (4: the harness stops a test file after 5 minutes);
 * scripts/local/dev/test-fuzz.ts runs more shards until every route has had its runs.
 */
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { ReservedSql } from 'postgres';
import { apiUrl } from './api.ts';
import { connect, superuserUrl } from './db.ts';
import { added, changed, type Fingerprint, fingerprinter } from './fuzz-fingerprint.ts';
import { createWorld, destroyWorld, type FuzzWorld } from './fuzz-fixture.ts';
import { type FuzzRequest, type FuzzResponse, send } from './fuzz-http.ts';
import { busySessions, describeResponse, FailureClasses, printTable, type RouteStats, Violation } from './fuzz-report.ts';
import { buildCredentials, type Credentials } from './fuzz-tokens.ts';
import { checkShape } from './fuzz-shape.ts';

export interface FuzzContext { world: FuzzWorld; creds: Credentials }

export interface RouteSpec {
  name: string;
  family: 'functions' | 'storage';
  request: (ctx: FuzzContext) => fc.Arbitrary<FuzzRequest>;
  /** Per-run fixtures made before the request (outside the fingerprinted window): what they are, and their cleanup. */
  prepare?: (req: FuzzRequest, ctx: FuzzContext) => Promise<{ note: string; cleanup: () => Promise<void> } | void>;
  /** Before the property, once the world exists (e.g. tokens that need it). */
  setup?: (ctx: FuzzContext) => Promise<void>;
  /** After a 2xx (which may write): restore what the next runs rely on. */
  onSuccess?: (req: FuzzRequest, res: FuzzResponse, ctx: FuzzContext) => Promise<void>;
  /** Route-specific assertions; a message for each violation. */
  check?: (req: FuzzRequest, res: FuzzResponse) => string[];
  /** Its requests may start platform jobs (refresh-views): never while another fuzz file checks a run. */
  platformJobs?: boolean;
}

/**
 * Fuzz files run side by side; a platform job one of them starts writes the job log and every
 * tenant's metrics. A run holds this advisory lock (shared; exclusive for a route that may start
 * jobs) from its fixtures to its last fingerprint, so no fuzzed job lands inside another run.
 */
async function withPlatformLock<T>(conn: ReservedSql, exclusive: boolean, fn: () => Promise<T>): Promise<T> {
  await (exclusive ? conn`select pg_advisory_lock(hashtext('assistant-platform:fuzz-platform-jobs'))`
    : conn`select pg_advisory_lock_shared(hashtext('assistant-platform:fuzz-platform-jobs'))`);
  try {
    return await fn();
  } finally {
    await (exclusive ? conn`select pg_advisory_unlock(hashtext('assistant-platform:fuzz-platform-jobs'))`
      : conn`select pg_advisory_unlock_shared(hashtext('assistant-platform:fuzz-platform-jobs'))`);
  }
}

const env = process.env;
const runsSet = env.FUZZ_RUNS !== undefined;
const seconds = env.FUZZ_SECONDS ? Number(env.FUZZ_SECONDS) : runsSet ? 0 : 2.5;
/** With only a run count, stop before the harness's limits (each test file is stopped after 5 minutes). */
const hardStopAt = Date.now() + Number(env.FUZZ_MAX_MINUTES ?? 4) * 60_000;
const keepGoing = env.FUZZ_KEEP_GOING === '1';
const progress: Record<string, number> = env.FUZZ_PROGRESS_FILE && fs.existsSync(env.FUZZ_PROGRESS_FILE)
  ? JSON.parse(fs.readFileSync(env.FUZZ_PROGRESS_FILE, 'utf8')) : {};

export function fuzzSuite(file: string, opts: { bucket?: boolean; ingest?: boolean } = {}) {
  const ctx = {} as FuzzContext;
  let fingerprint: () => Promise<Fingerprint>;
  let lockConn: ReservedSql;
  const stats: RouteStats[] = [];
  before(async () => {
    lockConn = await connect(superuserUrl()).reserve();
    ctx.world = await createWorld(file, opts);
    const { owner, admin, member, outsider } = ctx.world.users;
    ctx.creds = await buildCredentials({ owner, admin, member, outsider });
    fingerprint = await fingerprinter(ctx.world);
  });
  after(async () => {
    lockConn?.release();
    await destroyWorld(ctx.world);
    printTable(file, stats);
    if (env.FUZZ_STATS_FILE) fs.appendFileSync(env.FUZZ_STATS_FILE, stats.map((s) => JSON.stringify({ file, lane: env.TEST_PG_MAJOR ?? '', ...s })).join('\n') + (stats.length ? '\n' : ''));
  });

  let pending = 0;
  function route(spec: RouteSpec): void {
    // Per PostgreSQL lane of the harness: each lane runs every route.
    const toRun = runsSet ? Number(env.FUZZ_RUNS) - (progress[`${env.TEST_PG_MAJOR ?? ''}|${spec.name}`] ?? 0) : Infinity;
    // FUZZ_ONLY: a part of the name; exactly the name when replaying a path (it only makes sense for that route).
    const only = env.FUZZ_ONLY;
    const skip = (only !== undefined && !(env.FUZZ_PATH ? spec.name === only : spec.name.includes(only))) || toRun <= 0;
    if (!skip) pending++;
    test(`fuzz ${spec.name}`, { skip, timeout: 24 * 3600_000 }, async () => {
      const s: RouteStats = { route: spec.name, runs: 0, requests: 0, statuses: {}, ms: 0, seed: 0, failed: false, unconfirmed: {} };
      stats.push(s);
      let last: Fingerprint | undefined;
      const timing = { send: 0, fp: 0, slowest: 0, slowNote: '' };
      const fingerprintTimed = async () => { const t = performance.now(); const f = await fingerprint(); timing.fp += performance.now() - t; return f; };
      const classes = new FailureClasses();
      const sendCounted = async (req: FuzzRequest) => {
        s.requests++;
        const t = performance.now();
        const res = await send(apiUrl(), req).catch(async (err: Error) => {
          // No answer at all: a failure of its own, with what the database was doing meanwhile.
          throw new Violation(`no answer: ${err.message}\nbusy database sessions: ${await busySessions()}`);
        });
        const took = performance.now() - t;
        timing.send += took;
        if (env.FUZZ_DEBUG && took > 1000) console.log(`slow answer (${took.toFixed(0)} ms, ${res.status}): ${req.method} ${req.target.slice(0, 100)} [${req.note}]`);
        s.statuses[res.status || 'none'] = (s.statuses[res.status || 'none'] ?? 0) + 1;
        return res;
      };
      await spec.setup?.(ctx);
      let stopAt = Infinity;
      // The run fast-check was waiting for when its time was up: finished before the next route starts.
      let inFlight: Promise<unknown> = Promise.resolve();
      const property = fc.asyncProperty(spec.request(ctx), (req) => (inFlight = withPlatformLock(lockConn, !!spec.platformJobs, () => runOnce(req))));
      const runOnce = async (req: FuzzRequest) => {
        // Past the budget (shrinking included), every run passes: fast-check keeps the smallest failure so far.
        if (performance.now() > stopAt) return;
        s.runs++;
        const runStart = performance.now();
        const prepared = await spec.prepare?.(req, ctx);
        const cleanup = prepared?.cleanup;
        if (cleanup) last = undefined;
        try {
          const cached = last !== undefined;
          const beforeFp = last ?? await fingerprintTimed();
          last = undefined;
          const res = await sendCounted(req);
          const problems = [...checkShape(spec.family, req, res), ...(spec.check?.(req, res) ?? [])];
          if (res.status >= 200 && res.status < 300) {
            await spec.onSuccess?.(req, res, ctx);
          } else {
            if (res.status === 0) await new Promise((r) => setTimeout(r, 50));
            const afterFp = await fingerprintTimed();
            const strict = changed(beforeFp.strict, afterFp.strict);
            if (strict.length) problems.push(`partial write: refused with ${res.status}, but changed ${strict.join(', ')}`);
            else if (added(beforeFp.shared, afterFp.shared).length) {
              const parts = added(beforeFp.shared, afterFp.shared);
              // Platform jobs of other tests write these too: the request's only if a replay changes them again.
              const confirmed = await confirmByReplay(req, sendCounted, fingerprint);
              if (confirmed.length) problems.push(`partial write (reproduced on replay): refused with ${res.status}, but changed ${confirmed.join(', ')}`);
              else if (!cached) {
                // (With a fingerprint kept from the last run, the job may well have run in between.)
                for (const p of parts) s.unconfirmed[p] = (s.unconfirmed[p] ?? 0) + 1;
                if (env.FUZZ_DEBUG) console.log(`${spec.name}: shared change not reproduced (${parts.join(', ')}); latest runs:`, JSON.stringify(await connect(superuserUrl())`select job, trigger, status, started_at, finished_at, clock_timestamp() as now from private.job_runs order by started_at desc limit 2`));
              }
            } else if (!problems.length) last = afterFp;
          }
          if (problems.length) throw new Violation(`${problems.join('\n')}\n${describeResponse(res)}${prepared ? `\nfixture for this run: ${prepared.note}` : ''}`);
        } catch (err) {
          if (!keepGoing || !(err instanceof Violation)) throw err;
          classes.add(err, req);
        } finally {
          if (cleanup) {
            await cleanup();
            last = undefined;
          }
          const took = performance.now() - runStart;
          if (took > timing.slowest) Object.assign(timing, { slowest: took, slowNote: `${req.method} ${req.target.slice(0, 80)} [${req.note}]` });
        }
      };
      const seed = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
      s.seed = seed;
      const t0 = performance.now();
      // A run count alone: this route's share of what is left of the file's time.
      const budget = seconds > 0 ? seconds * 1000 : (hardStopAt - Date.now()) / Math.max(pending--, 1);
      const shrinkMs = Math.min(Number(env.FUZZ_SHRINK_SECONDS ?? 30) * 1000, Math.max(hardStopAt - Date.now() - budget, 5000));
      stopAt = performance.now() + budget + shrinkMs;
      const numRuns = runsSet ? toRun : 1_000_000;
      let result = await fc.check(property, { seed, numRuns, path: env.FUZZ_PATH, plugins: [fc.interruptAfterTimeLimit(Math.max(budget, 1))] });
      if (result.failed && result.interrupted && result.counterexample === null && s.runs <= 1) {
        // Not one run finished in the budget (a slow first request): once more with time for a few.
        stopAt = performance.now() + 15_000 + shrinkMs;
        result = await fc.check(property, { seed, numRuns, path: env.FUZZ_PATH, plugins: [fc.interruptAfterTimeLimit(15_000)] });
      }
      await inFlight.catch(() => {});
      s.ms = performance.now() - t0;
      if (env.FUZZ_DEBUG) console.log(`${spec.name}: ${s.ms.toFixed(0)} ms, sending ${timing.send.toFixed(0)} ms, fingerprints ${timing.fp.toFixed(0)} ms, slowest run ${timing.slowest.toFixed(0)} ms: ${timing.slowNote}`);
      s.failed = result.failed || classes.size > 0;
      if (result.failed) {
        const replay = `replay: npm run test:fuzz -- --only '${spec.name}' --seed ${result.seed}${result.counterexamplePath ? ` --path '${result.counterexamplePath}'` : ''}`;
        const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        throw new Error(`${spec.name}: ${fc.defaultReportMessage(result)}\nWhat failed:\n${why}\n${replay}`);
      }
      if (classes.size) {
        throw new Error(`${spec.name}: ${classes.size} failure classes (seed ${seed}, FUZZ_KEEP_GOING)\n${classes.summary()}`);
      }
    });
  }
  return { route, ctx };
}

/** Replayed twice once no job runs (a job of another test may have been running): changed both times? */
async function confirmByReplay(req: FuzzRequest, sendCounted: (r: FuzzRequest) => Promise<FuzzResponse>, fingerprint: () => Promise<Fingerprint>): Promise<string[]> {
  for (let i = 0; i < 2; i++) {
    for (let wait = 0; wait < 100; wait++) {
      const [{ n }] = await connect(superuserUrl())`select count(*)::int as n from private.job_runs where status = 'running' and started_at > now() - interval '5 minutes'`;
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const a = await fingerprint();
    const res = await sendCounted(req);
    if (res.status >= 200 && res.status < 300) return [];
    const diff = added(a.shared, (await fingerprint()).shared);
    if (!diff.length) return [];
    if (i === 1) return diff;
  }
  return [];
}

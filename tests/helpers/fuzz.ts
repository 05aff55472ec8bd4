/**
 * The fuzz suite's runner: one fast-check property per route, each run one hostile request over
 * real HTTP to the test gateway, asserting (1) no 5xx, (2) the one error shape of its prefix
 * (functions: {"error": {code, message, details?}}; storage: {statusCode, code, error, message};
 * HEAD: no body), (3) a refused request changes nothing (the world's fingerprint before and after).
 *
 * Settings (environment): FUZZ_SECONDS time per route (default 2.5), FUZZ_RUNS runs per route
 * (default: as many as fit), FUZZ_SEED, FUZZ_PATH (replay one counterexample, with FUZZ_ONLY),
 * FUZZ_ONLY (route names containing this), FUZZ_KEEP_GOING=1 (collect every failure class instead
 * of stopping at the first and shrinking it), FUZZ_STATS_FILE (append per-route figures as JSON),
 * FUZZ_PROGRESS_FILE (runs already done per route, by earlier shards of a long run: only the rest
 * is run). With FUZZ_RUNS alone, the routes of a file share FUZZ_MAX_MINUTES (4: the harness stops a test
 * file after 5 minutes); scripts/test-fuzz.ts runs more shards until every route has its runs.
 */
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { apiUrl } from './api.ts';
import { changed, type Fingerprint, fingerprinter } from './fuzz-fingerprint.ts';
import { createWorld, destroyWorld, type FuzzWorld } from './fuzz-fixture.ts';
import { describeRequest, type FuzzRequest, type FuzzResponse, send } from './fuzz-http.ts';
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
}

const env = process.env;
const runsSet = env.FUZZ_RUNS !== undefined;
const seconds = env.FUZZ_SECONDS ? Number(env.FUZZ_SECONDS) : runsSet ? 0 : 2.5;
/** With only a run count, stop before the harness's limits (each test file is stopped after 5 minutes). */
const hardStopAt = Date.now() + Number(env.FUZZ_MAX_MINUTES ?? 4) * 60_000;
const keepGoing = env.FUZZ_KEEP_GOING === '1';
const progress: Record<string, number> = env.FUZZ_PROGRESS_FILE && fs.existsSync(env.FUZZ_PROGRESS_FILE)
  ? JSON.parse(fs.readFileSync(env.FUZZ_PROGRESS_FILE, 'utf8')) : {};

class Violation extends Error {}

interface RouteStats { route: string; runs: number; requests: number; statuses: Record<string, number>; ms: number; seed: number; failed: boolean; unconfirmed: number }

export function fuzzSuite(file: string, opts: { bucket?: boolean; ingest?: boolean } = {}) {
  const ctx = {} as FuzzContext;
  let fingerprint: () => Promise<Fingerprint>;
  const stats: RouteStats[] = [];
  before(async () => {
    ctx.world = await createWorld(file, opts);
    const { owner, admin, member, outsider } = ctx.world.users;
    ctx.creds = await buildCredentials({ owner, admin, member, outsider });
    fingerprint = await fingerprinter(ctx.world);
  });
  after(async () => {
    await destroyWorld(ctx.world);
    printTable(file, stats);
    if (env.FUZZ_STATS_FILE) fs.appendFileSync(env.FUZZ_STATS_FILE, stats.map((s) => JSON.stringify({ file, ...s })).join('\n') + (stats.length ? '\n' : ''));
  });

  let pending = 0;
  function route(spec: RouteSpec): void {
    const toRun = runsSet ? Number(env.FUZZ_RUNS) - (progress[spec.name] ?? 0) : Infinity;
    const skip = (env.FUZZ_ONLY !== undefined && !spec.name.includes(env.FUZZ_ONLY)) || toRun <= 0;
    if (!skip) pending++;
    test(`fuzz ${spec.name}`, { skip, timeout: 24 * 3600_000 }, async () => {
      const s: RouteStats = { route: spec.name, runs: 0, requests: 0, statuses: {}, ms: 0, seed: 0, failed: false, unconfirmed: 0 };
      stats.push(s);
      let last: Fingerprint | undefined;
      const timing = { send: 0, fp: 0, slowest: 0, slowNote: '', gaps: 0, lastEnd: 0 };
      const fingerprintTimed = async () => { const t = performance.now(); const f = await fingerprint(); timing.fp += performance.now() - t; return f; };
      const classes = new Map<string, { size: number; text: string; note: string }[]>();
      const sendCounted = async (req: FuzzRequest) => {
        s.requests++;
        const t = performance.now();
        const res = await send(apiUrl(), req);
        timing.send += performance.now() - t;
        s.statuses[res.status || 'none'] = (s.statuses[res.status || 'none'] ?? 0) + 1;
        return res;
      };
      await spec.setup?.(ctx);
      let stopAt = Infinity;
      const property = fc.asyncProperty(spec.request(ctx), async (req) => {
        // Past the budget (shrinking included), every run passes: fast-check keeps the smallest failure so far.
        if (performance.now() > stopAt) return;
        s.runs++;
        const runStart = performance.now();
        if (timing.lastEnd) timing.gaps += runStart - timing.lastEnd;
        const prepared = await spec.prepare?.(req, ctx);
        const cleanup = prepared?.cleanup;
        if (cleanup) last = undefined;
        try {
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
            else if (changed(beforeFp.shared, afterFp.shared).length) {
              // Platform jobs of other tests write these too: the request's only if a replay changes them again.
              const confirmed = await confirmByReplay(req, sendCounted, fingerprint);
              if (confirmed.length) problems.push(`partial write (reproduced on replay): refused with ${res.status}, but changed ${confirmed.join(', ')}`);
              else s.unconfirmed++;
            } else if (!problems.length) last = afterFp;
          }
          if (problems.length) throw new Violation(`${problems.join('\n')}\n${describeResponse(res)}${prepared ? `\nfixture for this run: ${prepared.note}` : ''}`);
        } catch (err) {
          if (!keepGoing || !(err instanceof Violation)) throw err;
          // One class per kind of violation and kind of answer (ids and numbers blurred); three examples each, smallest first.
          const answer = err.message.split('\n').find((l) => l.startsWith('answer: ')) ?? '';
          const blur = (t: string) => t.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\d+/g, 'N');
          const key = `${blur(err.message.split('\n')[0])} | ${blur(answer.slice(8, 100))}`;
          const text = `${err.message}\n${describeRequest(req)}`;
          const list = classes.get(key) ?? [];
          if (!list.some((x) => x.note === req.note)) list.push({ size: text.length, text, note: req.note });
          classes.set(key, list.sort((a, b) => a.size - b.size).slice(0, 3));
        } finally {
          if (cleanup) {
            await cleanup();
            last = undefined;
          }
          timing.lastEnd = performance.now();
          const took = timing.lastEnd - runStart;
          if (took > timing.slowest) Object.assign(timing, { slowest: took, slowNote: `${req.method} ${req.target.slice(0, 80)} [${req.note}]` });
        }
      });
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
      s.ms = performance.now() - t0;
      if (env.FUZZ_DEBUG) console.log(`${spec.name}: ${s.ms.toFixed(0)} ms, sending ${timing.send.toFixed(0)} ms, fingerprints ${timing.fp.toFixed(0)} ms, between runs ${timing.gaps.toFixed(0)} ms, slowest run ${timing.slowest.toFixed(0)} ms: ${timing.slowNote}`);
      s.failed = result.failed || classes.size > 0;
      if (result.failed) {
        const replay = `replay: npm run test:fuzz -- --only '${spec.name}' --seed ${result.seed}${result.counterexamplePath ? ` --path '${result.counterexamplePath}'` : ''}`;
        const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        throw new Error(`${spec.name}: ${fc.defaultReportMessage(result)}\nWhat failed:\n${why}\n${replay}`);
      }
      if (classes.size) {
        const list = [...classes.entries()].slice(0, 60).map(([k, v], i) => `--- class ${i + 1}: ${k}\n${v.map((x) => x.text).join('\n  ~\n')}`).join('\n');
        throw new Error(`${spec.name}: ${classes.size} failure classes (seed ${seed}, FUZZ_KEEP_GOING)\n${list}`);
      }
    });
  }
  return { route, ctx };
}

async function confirmByReplay(req: FuzzRequest, sendCounted: (r: FuzzRequest) => Promise<FuzzResponse>, fingerprint: () => Promise<Fingerprint>): Promise<string[]> {
  for (let i = 0; i < 2; i++) {
    const a = await fingerprint();
    const res = await sendCounted(req);
    if (res.status >= 200 && res.status < 300) return [];
    const diff = changed(a.shared, (await fingerprint()).shared);
    if (!diff.length) return [];
    if (i === 1) return diff;
  }
  return [];
}

function describeResponse(res: FuzzResponse): string {
  const body = res.body.toString('utf8');
  return `answer: ${res.status} ${res.headers['content-type'] ?? '(no content-type)'} ${JSON.stringify(body.length > 300 ? body.slice(0, 300) + '...' : body)}`;
}

function printTable(file: string, stats: RouteStats[]): void {
  if (!stats.length) return;
  const rows = stats.map((s) => [s.route, String(s.runs), String(s.requests), `${(s.ms / 1000).toFixed(1)} s`,
    Object.entries(s.statuses).sort().map(([k, v]) => `${k}:${v}`).join(' ') + (s.unconfirmed ? ` (shared-table changes not reproduced: ${s.unconfirmed})` : '') + (s.failed ? '  FAILED' : '')]);
  const head = ['route', 'runs', 'requests', 'time', 'statuses'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 || i === 2 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(`\nfuzz ${file}: seeds ${stats.map((s) => s.seed).join(', ')}\n${line(head)}\n${rows.map(line).join('\n')}\n`);
}

/**
 * `npm run test:fuzz`: the property-based fuzz suite (tests/fuzz) through the test harness
 * (scripts/local/dev/test.ts: throwaway database and gateway), with its settings as options.
 *
 *   npm run test:fuzz                          every route for FUZZ_SECONDS (default 2.5 s) each
 *   npm run test:fuzz -- --seconds 30          30 s per route
 *   npm run test:fuzz -- --runs 100000         100,000 requests per route (a long run, in shards)
 *   npm run test:fuzz -- --only 'whoami GET' --seed 42 --path '7:0'   replay one counterexample
 *   npm run test:fuzz -- --keep-going          every failure class of every route, not just the first
 *   npm run test:fuzz -- tests/fuzz/whoami.test.ts                     only some files
 *   npm run test:fuzz -- --pg 17                                       one PostgreSQL lane of the harness
 *
 * A long run (--runs, or --seconds over 30) runs the harness once per file, and again (a new
 * shard, a new seed) while a route has not had its runs on a lane: the harness stops a test file
 * after 5 minutes, so a file spends at most 4 (FUZZ_MAX_MINUTES) per shard. It ends with one
 * table per route and lane over all shards and `N passed, N failed`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const usage = 'npm run test:fuzz -- [--runs N] [--seconds S] [--seed N] [--path P] [--only ROUTE] [--keep-going] [--pg 15|17] [files...]';
/** Figures are per route and per PostgreSQL lane of the harness (each lane runs every route). */
const key = (s: { lane: string; route: string }) => `${s.lane}|${s.route}`;

interface Stats { file: string; lane: string; route: string; runs: number; requests: number; statuses: Record<string, number>; ms: number; seed: number; failed: boolean }

function options() {
  try {
    const { values, positionals } = parseArgs({
      options: { runs: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, path: { type: 'string' }, only: { type: 'string' }, pg: { type: 'string' }, 'keep-going': { type: 'boolean' }, help: { type: 'boolean' } },
      allowPositionals: true, strict: true,
    });
    for (const k of ['runs', 'seed'] as const) if (values[k] !== undefined && !/^\d+$/.test(values[k]!)) throw new Error(`--${k} must be a whole number`);
    if (values.seconds !== undefined && !(Number(values.seconds) > 0)) throw new Error('--seconds must be a positive number');
    return { ...values, files: positionals };
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: ${usage}`);
    process.exit(2);
  }
}

/** One harness run; its `N passed, N failed` line. */
function harness(files: string[], env: NodeJS.ProcessEnv, pg?: string): Promise<{ passed: number; failed: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local/dev/test.ts', ...(pg ? ['--pg', pg] : []), ...files], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (d) => { process.stdout.write(d); tail = (tail + d).slice(-2000); });
    child.on('close', () => {
      const m = [...tail.matchAll(/^(\d+) passed, (\d+) failed/gm)].at(-1);
      resolve(m ? { passed: Number(m[1]), failed: Number(m[2]) } : { passed: 0, failed: 1 });
    });
  });
}

function merge(all: Map<string, Stats>, lines: string): void {
  for (const line of lines.split('\n').filter(Boolean)) {
    const s = JSON.parse(line) as Stats;
    const m = all.get(key(s));
    if (!m) { all.set(key(s), { ...s, statuses: { ...s.statuses } }); continue; }
    m.runs += s.runs; m.requests += s.requests; m.ms += s.ms; m.failed ||= s.failed;
    for (const [k, v] of Object.entries(s.statuses)) m.statuses[k] = (m.statuses[k] ?? 0) + v;
  }
}

function table(all: Map<string, Stats>): string {
  const rows = [...all.values()].map((s) => [s.lane ? `${s.route} [pg${s.lane}]` : s.route, String(s.runs), String(s.requests), `${(s.ms / 1000).toFixed(1)} s`,
    `${(s.requests / Math.max(s.ms / 1000, 0.001)).toFixed(0)}/s`, Object.entries(s.statuses).sort().map(([k, v]) => `${k}:${v}`).join(' ') + (s.failed ? '  FAILED' : '')]);
  const head = ['route', 'runs', 'requests', 'time', 'rate', 'statuses'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  const total = [...all.values()].reduce((n, s) => n + s.requests, 0);
  return `${line(head)}\n${rows.map(line).join('\n')}\n${all.size} routes × lanes, ${total} requests`;
}

async function main(): Promise<number> {
  const o = options();
  if (o.help) { console.log(usage); return 0; }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-run-'));
  const statsFile = path.join(tmp, 'stats.jsonl');
  const env: NodeJS.ProcessEnv = { ...process.env, FUZZ_STATS_FILE: statsFile };
  for (const [name, value] of [['FUZZ_RUNS', o.runs], ['FUZZ_SECONDS', o.seconds], ['FUZZ_SEED', o.seed], ['FUZZ_PATH', o.path], ['FUZZ_ONLY', o.only]] as const) {
    if (value !== undefined) env[name] = value; else delete env[name];
  }
  if (o['keep-going']) env.FUZZ_KEEP_GOING = '1'; else delete env.FUZZ_KEEP_GOING;
  const files = o.files.length ? o.files : [path.join('tests', 'fuzz')];
  const long = o.runs !== undefined || Number(o.seconds ?? 0) > 30;
  const all = new Map<string, Stats>();
  let passed = 0;
  let failed = 0;
  let unattributed = 0;
  const t0 = performance.now();
  try {
    if (!long) {
      const r = await harness(files, env, o.pg);
      passed += r.passed; failed += r.failed;
      if (fs.existsSync(statsFile)) merge(all, fs.readFileSync(statsFile, 'utf8'));
    } else {
      const fuzzFiles = files.flatMap((f) => fs.statSync(path.resolve(root, f)).isDirectory()
        ? fs.readdirSync(path.resolve(root, f)).filter((n) => n.endsWith('.test.ts')).sort().map((n) => path.join(f, n)) : [f]);
      for (const file of fuzzFiles) {
        const done: Record<string, number> = {};
        for (let shard = 0; ; shard++) {
          const progressFile = path.join(tmp, 'progress.json');
          fs.writeFileSync(progressFile, JSON.stringify(done));
          fs.rmSync(statsFile, { force: true });
          const shardEnv = { ...env, FUZZ_PROGRESS_FILE: progressFile, ...(o.seed !== undefined ? { FUZZ_SEED: String(Number(o.seed) + shard) } : {}) };
          console.log(`\ntest:fuzz: ${file}, shard ${shard + 1}${o.runs ? ` (runs so far: ${JSON.stringify(done)})` : ''}`);
          const r = await harness([file], shardEnv, o.pg);
          const lines = fs.existsSync(statsFile) ? fs.readFileSync(statsFile, 'utf8') : '';
          merge(all, lines);
          const shardStats = lines.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Stats);
          for (const s of shardStats) done[key(s)] = (done[key(s)] ?? 0) + s.runs;
          // A failure outside any route (a file that does not load) has no figures of its own.
          if (r.failed > shardStats.filter((s) => s.failed).length) unattributed += r.failed - shardStats.filter((s) => s.failed).length;
          const madeProgress = shardStats.some((s) => s.runs > 0);
          if (r.failed > 0 || !o.runs || !madeProgress || shardStats.every((s) => done[key(s)] >= Number(o.runs))) break;
        }
      }
      // Per route over its shards (a route that had its runs is skipped by the later shards of its file).
      failed = [...all.values()].filter((s) => s.failed).length + unattributed;
      passed = all.size - (failed - unattributed);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\ntest:fuzz: all routes, ${((performance.now() - t0) / 1000).toFixed(0)} s in all\n${table(all)}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

process.exitCode = await main();

/**
 * `npm test`: for each PostgreSQL lane (the embedded 17, then the machine's 15 with pg_cron), one
 * throwaway database (bootstrapped, migrated by the Supabase CLI, seeded) and gateway, the
 * TypeScript tests (node:test) and the Deno tests against them; then a last line
 * `N passed, N failed` counting both runners of both lanes.
 *
 *   npm test                      everything, on both lanes (a missing PostgreSQL 15 is one line
 *                                 locally and a failure in CI)
 *   npm test -- --pg 15           one lane (15 or 17; PG_MAJOR=15 does the same)
 *   npm test -- tests/db          only TypeScript test files under a path (Deno tests are skipped
 *                                 unless a path under tests/deno or supabase/functions is given)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { reportFatal } from '../../lib/stack-error.ts';
import { planLanes } from './test-lanes.ts';
import { DEFAULT_JWT_SECRET, denoBin, repoRoot, signApiKey } from '../../lib/stack-config.ts';
import { startThrowawayDatabase } from '../stack/database.ts';
import { Gateway } from '../stack/gateway-process.ts';
import type { PgMajor } from '../stack/pg-binaries.ts';
import { freePort } from '../stack/ports.ts';

interface Counts { passed: number; failed: number; skipped: number }

/** A functions .env for the tests: one secret, and a SUPABASE_ name the CLI would skip. */
function gatewayTestEnv(dir: string): string {
  const file = path.join(dir, 'functions.test.env');
  fs.writeFileSync(file, '# test secrets\nFIXTURE_FROM_DOTENV="from .env"\nSUPABASE_URL=http://must-be-ignored\n');
  return file;
}

/** supabase/config.toml plus tests/fixtures/functions/config.toml, in a file of its own. */
function gatewayTestConfig(dir: string): string {
  const file = path.join(dir, 'config.test.toml');
  fs.writeFileSync(file, [
    fs.readFileSync(path.join(repoRoot, 'supabase', 'config.toml'), 'utf8'),
    fs.readFileSync(path.join(repoRoot, 'tests', 'fixtures', 'functions', 'config.toml'), 'utf8'),
  ].join('\n'));
  return file;
}

function findFiles(dir: string, pattern: RegExp, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') findFiles(full, pattern, out);
    else if (entry.isFile() && pattern.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/** A runner still going after this long is stopped and counted as failed (a hung process must not hang CI). */
const RUNNER_LIMIT_MS = 25 * 60 * 1000;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, capture = false): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'] });
    const timer = setTimeout(() => {
      console.error(`${path.basename(cmd)} still running after ${RUNNER_LIMIT_MS / 60000} minutes: stopping it`);
      child.kill('SIGKILL');
    }, RUNNER_LIMIT_MS);
    let output = '';
    child.stdout?.on('data', (d) => { output += d; process.stdout.write(d); });
    child.stderr?.on('data', (d) => { output += d; process.stderr.write(d); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

async function runNodeTests(files: string[], env: NodeJS.ProcessEnv): Promise<Counts> {
  if (!files.length) return { passed: 0, failed: 0, skipped: 0 };
  const countsFile = path.join(os.tmpdir(), `assistant-platform-counts-${process.pid}.json`);
  const reporter = path.join(repoRoot, 'tests', 'harness', 'count-reporter.mjs');
  const { code } = await run(process.execPath, [
    '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, `--test-reporter-destination=${countsFile}`,
    ...files,
  ], env);
  try {
    const counts = JSON.parse(fs.readFileSync(countsFile, 'utf8')) as Counts;
    // A runner that failed outside any test (a file that does not load) still counts as a failure.
    if (code !== 0 && counts.failed === 0) counts.failed = 1;
    return counts;
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  } finally {
    fs.rmSync(countsFile, { force: true });
  }
}

async function runDenoTests(paths: string[], env: NodeJS.ProcessEnv): Promise<Counts> {
  if (!paths.length) return { passed: 0, failed: 0, skipped: 0 };
  const { code, output } = await run(denoBin, [
    'test', '--allow-env', '--allow-net', '--allow-read', '--frozen',
    '--config', path.join(repoRoot, 'supabase', 'functions', 'deno.json'), ...paths,
  ], { ...env, NO_COLOR: '1' }, true);
  const summary = [...output.matchAll(/(\d+) passed[^\n]*?\|\s*(\d+) failed(?:[^\n]*?(\d+) ignored)?/g)].at(-1);
  if (!summary) return { passed: 0, failed: 1, skipped: 0 };
  const counts = { passed: Number(summary[1]), failed: Number(summary[2]), skipped: Number(summary[3] ?? 0) };
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
}

interface LaneResult { major: PgMajor; version: string; node: Counts; deno: Counts; seconds: number }

/** One lane: a throwaway database of that major and a gateway, then both runners against them. */
async function runLane(major: PgMajor, nodeFiles: string[], denoFiles: string[]): Promise<LaneResult> {
  const t0 = performance.now();
  console.log(`\n== PostgreSQL ${major} lane ==\ntest database: starting a throwaway PostgreSQL ${major}, bootstrapping, pushing migrations, seeding...`);
  const db = await startThrowawayDatabase({ seed: true, major, pgCron: major === 15 });
  console.log(`test database (PostgreSQL ${db.version}${db.pgCron ? ', pg_cron' : ''}) ready on port ${db.port} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const host = `127.0.0.1:${db.port}`;
  const anonKey = await signApiKey('anon', DEFAULT_JWT_SECRET);
  const serviceRoleKey = await signApiKey('service_role', DEFAULT_JWT_SECRET);
  const apiPort = await freePort();
  // An asymmetric signing key like hosted Auth's, so ES256 tokens are tested end to end.
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid: `test-${process.pid}`, alg: 'ES256' });
  const storageRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-storage-'));
  const gateway = new Gateway({
    host: '127.0.0.1', port: apiPort, apiUrl: `http://127.0.0.1:${apiPort}`, jwtSecret: DEFAULT_JWT_SECRET, anonKey, serviceRoleKey,
    dbUrl: db.postgresUrl, storageDbUrl: `postgresql://supabase_storage_admin:postgres@${host}/postgres`, storageRoot,
    logFile: path.join(storageRoot, '..', `assistant-platform-gateway-${process.pid}.log`),
    // Test-only functions (tests/fixtures/functions), and their config entries next to the project's.
    extraFunctionDirs: [path.join(repoRoot, 'tests', 'fixtures', 'functions')],
    configToml: gatewayTestConfig(storageRoot),
    envFile: gatewayTestEnv(storageRoot),
    // Schedules would fire into the shared test database at random moments; the schedule test
    // starts a gateway of its own.
    schedules: false,
    extraEnv: { GATEWAY_SIGNING_JWK: signingJwk },
  });
  try {
    await gateway.start();
  } catch (err) {
    await db.stop();
    throw err;
  }
  console.log(`test gateway ready on ${gateway.url} (log ${gateway.opts.logFile})`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Servers the tests start themselves (npm start, gen:types, bench) use this lane's PostgreSQL.
    PG_MAJOR: String(major),
    TEST_PG_MAJOR: String(major),
    TEST_PG_VERSION: db.version,
    TEST_PG_CRON: db.pgCron ? '1' : '0',
    TEST_DB_URL: db.postgresUrl,
    TEST_SUPERUSER_URL: db.superuserUrl,
    TEST_AUTHENTICATOR_URL: `postgresql://authenticator:postgres@${host}/postgres`,
    TEST_JWT_SECRET: DEFAULT_JWT_SECRET,
    TEST_ANON_KEY: anonKey,
    TEST_SERVICE_ROLE_KEY: serviceRoleKey,
    TEST_API_URL: gateway.url,
    TEST_GATEWAY_LOG: gateway.opts.logFile,
    TEST_GATEWAY_PID: String(gateway.pid ?? ''),
    TEST_SIGNING_JWK: signingJwk,
  };
  let node: Counts;
  let deno: Counts;
  try {
    node = await runNodeTests(nodeFiles, env);
    deno = await runDenoTests(denoFiles, env);
  } finally {
    await gateway.stop();
    await db.stop();
    fs.rmSync(storageRoot, { recursive: true, force: true });
    fs.rmSync(gateway.opts.logFile!, { force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`\nPostgreSQL ${db.version} lane: node:test ${node.passed} passed, ${node.failed} failed, ${node.skipped} skipped; deno test ${deno.passed} passed, ${deno.failed} failed, ${deno.skipped} skipped; ${seconds.toFixed(1)} s`);
  return { major, version: db.version, node, deno, seconds };
}

async function main(): Promise<number> {
  const plan = planLanes(process.argv.slice(2), process.env);
  const selected = plan.paths.map((p) => path.resolve(p));
  const under = (file: string) => !selected.length || selected.some((s) => file === s || file.startsWith(s + path.sep));
  const nodeFiles = findFiles(path.join(repoRoot, 'tests'), /\.test\.ts$/).filter(under);
  const denoFiles = [
    ...findFiles(path.join(repoRoot, 'tests', 'deno'), /_test\.ts$/),
    ...findFiles(path.join(repoRoot, 'supabase', 'functions'), /_test\.ts$/),
  ].filter(under);

  const t0 = performance.now();
  for (const line of plan.notes) console.log(`note: ${line}`);
  for (const line of plan.failures) console.error(`error: ${line}`);
  const results: LaneResult[] = [];
  for (const major of plan.lanes) {
    try {
      results.push(await runLane(major, nodeFiles, denoFiles));
    } catch (err) {
      // A lane that cannot start is one failure; the other lane still runs.
      reportFatal(err, `PostgreSQL ${major} lane`);
      results.push({ major, version: String(major), node: { passed: 0, failed: 1, skipped: 0 }, deno: { passed: 0, failed: 0, skipped: 0 }, seconds: 0 });
    }
  }
  const total = { passed: 0, failed: plan.failures.length, skipped: 0 };
  for (const r of results) {
    total.passed += r.node.passed + r.deno.passed;
    total.failed += r.node.failed + r.deno.failed;
    total.skipped += r.node.skipped + r.deno.skipped;
  }
  console.log('');
  for (const r of results) {
    console.log(`PostgreSQL ${r.version}: ${r.node.passed + r.deno.passed} passed, ${r.node.failed + r.deno.failed} failed, ${r.node.skipped + r.deno.skipped} skipped in ${r.seconds.toFixed(1)} s`);
  }
  for (const line of [...plan.notes, ...plan.failures]) console.log(`not run: ${line}`);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
  console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
  return total.failed > 0 || total.passed === 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  reportFatal(err, 'npm test');
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
}

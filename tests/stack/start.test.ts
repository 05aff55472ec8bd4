/**
 * `npm start` as a user runs it: comes up with migrations and seed, refuses a second copy,
 * stops cleanly on SIGTERM / SIGINT, recovers after SIGKILL, and fails fast with one line and a
 * hint on bad settings. Each case uses its own state folder and ports.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import postgres from 'postgres';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { serverCanReach } from '../../scripts/local/stack/os-user.ts';
import { freePort } from '../../scripts/local/stack/postgres-server.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { cleanUpStacks, newStateDir, serverProcessesFor, startStack, waitFor } from '../helpers/stack-run.ts';

after(cleanUpStacks);

const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+\(.+:\d+:\d+\)$/m, `stack trace printed:\n${text}`);

describe('npm start', () => {
  it('starts, refuses a second copy, stops on SIGTERM, recovers after SIGKILL, and resets', async () => {
    const stateDir = newStateDir();
    const dbPort = String(await freePort());
    const env = { STACK_STATE_DIR: stateDir, DB_PORT: dbPort, API_PORT: String(await freePort()) };

    const first = startStack(env);
    await waitFor(first, /Press Ctrl-C to stop/);
    assert.match(first.output(), new RegExp(`DB URL: postgresql://postgres:postgres@127\\.0\\.0\\.1:${dbPort}/postgres`));
    assert.match(first.output(), /anon key: eyJ/);
    assert.match(first.output(), /Applying migration \d{14}_/);
    const apiPort = env.API_PORT;
    const health = await fetch(`http://127.0.0.1:${apiPort}/health`);
    assert.deepEqual(await health.json(), { message: 'ok' }, 'the gateway serves on API_PORT');
    const whoami = await fetch(`http://127.0.0.1:${apiPort}/functions/v1/whoami`, { headers: { apikey: 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz' } });
    assert.equal((await whoami.json()).db_role, 'service_role');
    const sql = postgres(`postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`, { max: 1, onnotice: () => {} });
    const [row] = await sql`select count(*)::int as n from public.tenants`;
    await sql.end();
    assert.equal(row.n, 3, 'seeded');

    const second = startStack(env);
    assert.equal(await second.exited, 1);
    assert.match(second.output(), new RegExp(`already running \\(pid ${first.child.pid}\\)`));
    noStackTrace(second.output());

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    const dataDir = path.join(stateDir, 'db');
    assert.deepEqual(serverProcessesFor(dataDir), [], 'no orphan postgres');
    assert.equal(fs.existsSync(path.join(stateDir, 'stack.pid')), false, 'lock released');

    const third = startStack(env);
    await waitFor(third, /Press Ctrl-C to stop/);
    assert.doesNotMatch(third.output(), /initialised a new database cluster/);
    assert.match(third.output(), /Remote database is up to date/);
    const coldStart = /started in ([\d.]+) s/.exec(third.output())![1];
    third.child.kill('SIGKILL');
    await third.exited;
    assert.equal(serverProcessesFor(dataDir).length, 1, 'SIGKILL leaves the server behind');

    const fourth = startStack(env);
    await waitFor(fourth, /Press Ctrl-C to stop/);
    assert.match(fourth.output(), /left running .* stopping it/);
    fourth.child.kill('SIGINT');
    assert.equal(await fourth.exited, 0);
    assert.deepEqual(serverProcessesFor(dataDir), []);

    const reset = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/local/stack-reset.ts'], { cwd: repoRoot, env: { ...process.env, STACK_STATE_DIR: stateDir }, encoding: 'utf8' });
    assert.equal(reset.status, 0, reset.stderr);
    assert.equal(fs.existsSync(stateDir), false);
    console.log(`cold start on an initialised data folder: ${coldStart} s`);
  });

  // As root, "nobody" must be able to read the checkout; a fresh clone inside `mktemp -d` (mode 0700) is out of its reach.
  const ordinary = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  const readable = !ordinary || serverCanReach(path.join(repoRoot, 'node_modules'), ordinary);
  it('runs as an ordinary user, the server under that user, with nothing moved to the shared folder', { skip: readable ? false : `uid 65534 cannot enter the checkout at ${repoRoot}` }, async () => {
    const stateDir = newStateDir();
    if (ordinary) fs.chownSync(stateDir, ordinary.uid, ordinary.gid);
    const run = startStack({ STACK_STATE_DIR: stateDir, DB_PORT: String(await freePort()), API_PORT: String(await freePort()), HOME: stateDir, STACK_SHARED_DIR: path.join(stateDir, 'must-not-be-used') }, ordinary);
    await waitFor(run, /Press Ctrl-C to stop/);
    const [pid] = serverProcessesFor(path.join(stateDir, 'db'));
    assert.equal(fs.statSync(`/proc/${pid}`).uid, ordinary?.uid ?? process.getuid?.());
    assert.ok(fs.lstatSync(path.join(stateDir, 'db')).isDirectory(), 'the cluster is in the state folder itself');
    assert.equal(fs.existsSync(path.join(stateDir, 'must-not-be-used')), false);
    assert.doesNotMatch(run.output(), /^note: /m);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
  });

  it('uses DATABASE_URL instead of the embedded server: bootstraps, migrates, seeds, leaves the server running', async () => {
    const admin = connect(superuserUrl());
    await admin`drop database if exists external_probe`;
    await admin`create database external_probe`;
    try {
      const external = superuserUrl().replace(/\/postgres$/, '/external_probe');
      const stateDir = newStateDir();
      const run = startStack({ STACK_STATE_DIR: stateDir, DATABASE_URL: external, API_PORT: String(await freePort()) });
      await waitFor(run, /Press Ctrl-C to stop/);
      assert.match(run.output(), /DB URL: postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/external_probe/);
      assert.equal(fs.existsSync(path.join(stateDir, 'db')), false, 'no embedded cluster');
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
      const probe = postgres(external, { max: 1, onnotice: () => {} });
      const [row] = await probe`select count(*)::int as n from public.users`;
      await probe.end();
      assert.equal(row.n, 6, 'migrated and seeded, and the external server still answers');
    } finally {
      await admin`drop database if exists external_probe with (force)`;
    }
  });

  it('fails fast with one line and a hint when DATABASE_URL is unreachable', async () => {
    const stateDir = newStateDir();
    const closed = await freePort();
    const run = startStack({ STACK_STATE_DIR: stateDir, DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${closed}/postgres` });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), new RegExp(`error: cannot reach the database at 127\\.0\\.0\\.1:${closed}/postgres`));
    assert.match(run.output(), /hint: check DATABASE_URL/);
    noStackTrace(run.output());
    assert.equal(fs.existsSync(path.join(stateDir, 'stack.pid')), false);
  });

  it('fails fast when the database port is taken, leaving no data folder', async () => {
    const stateDir = newStateDir();
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    try {
      const run = startStack({ STACK_STATE_DIR: stateDir, DB_PORT: String(port) });
      assert.equal(await run.exited, 1);
      assert.match(run.output(), new RegExp(`database port 127\\.0\\.0\\.1:${port} is already in use`));
      assert.match(run.output(), /hint: .*DB_PORT=<port>/);
      noStackTrace(run.output());
      assert.equal(fs.existsSync(path.join(stateDir, 'db')), false);
    } finally {
      blocker.close();
    }
  });

  it('refuses bad settings and a data folder owned by another user', async (t) => {
    const bad = startStack({ STACK_STATE_DIR: newStateDir(), DB_PORT: 'fifty' });
    assert.equal(await bad.exited, 1);
    assert.match(bad.output(), /error: DB_PORT must be a port number/);
    noStackTrace(bad.output());

    if (process.getuid?.() !== 0) {
      t.skip('needs root to give the data folder to another user');
      return;
    }
    const stateDir = newStateDir();
    const dataDir = path.join(stateDir, 'db');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    fs.writeFileSync(path.join(dataDir, 'PG_VERSION'), '17\n');
    fs.chownSync(dataDir, 65534, 65534);
    const run = startStack({ STACK_STATE_DIR: stateDir, DB_PORT: String(await freePort()) });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /is owned by uid 65534, but the server would run as uid \d+/);
    assert.match(run.output(), /hint: /);
    noStackTrace(run.output());
  });
});

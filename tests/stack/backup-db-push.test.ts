/**
 * `npm run db:push` backs up first: by default when the target is not local and there is something
 * to apply, with --backup on a local one, never with --no-backup. A backup that cannot be taken
 * (here: pg_dump older than the server) stops the push before anything is applied.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { backupDecision } from '../../scripts/ops/backup/before-push.ts';
import { findPgTools } from '../../scripts/ops/backup/pg-tools.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

const serverMajor = Number(process.env.TEST_PG_MAJOR ?? 17);
const canDump = (() => {
  try {
    return !!findPgTools(serverMajor);
  } catch {
    return false;
  }
})();

const push = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ops/db-push.ts', ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `stack trace printed:\n${text}`);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'push-backup-'));
after(() => fs.rmSync(out, { recursive: true, force: true }));

describe('npm run db:push and backups', () => {
  it('decides: a non-local database with something to apply gets one; --backup, --no-backup and nothing to apply decide otherwise', () => {
    const remote = 'postgresql://postgres:x@db.abcdefgh.supabase.co:5432/postgres';
    const local = 'postgresql://postgres:postgres@127.0.0.1:54322/postgres';
    assert.deepEqual(backupDecision({ url: remote, backup: false, noBackup: false, pending: 2 }), { take: true, reason: 'non-local database' });
    assert.equal(backupDecision({ url: remote, backup: false, noBackup: true, pending: 2 }).take, false);
    assert.equal(backupDecision({ url: remote, backup: false, noBackup: false, pending: 0 }).take, false);
    assert.equal(backupDecision({ url: local, backup: false, noBackup: false, pending: 2 }).take, false);
    assert.equal(backupDecision({ url: local, backup: true, noBackup: false, pending: 2 }).take, true);
  });

  it('with --backup, backs up (verified) before pushing, then pushes and verifies', { skip: canDump ? false : `no pg_dump ${serverMajor} or newer on this machine` }, async () => {
    await withScratchDatabase('push_backup', { migrate: false }, async (db) => {
      const dir = path.join(out, 'taken');
      const run = push('--db-url', db.url, '--backup', '--backup-dir', dir);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const lines = run.stdout.split('\n');
      const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
      assert.ok(at(/^backup: .*\.dump \(\d+ tables, 0 rows, .*migration none\), verified with pg_restore --list$/) > at(/^dry run: /), run.stdout);
      assert.ok(at(/^push: \d+ migration\(s\) applied$/) > at(/^backup: /));
      assert.match(run.stdout, /^verify: \d+ passed, 0 failed$/m);
      const files = fs.readdirSync(dir).sort();
      assert.equal(files.length, 2, files.join(', '));
      assert.match(files[0], /^push_backup_\d+-\d{8}T\d{6}Z\.dump$/);
      for (const f of files) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600);
      const again = push('--db-url', db.url, '--backup', '--backup-dir', dir);
      assert.equal(again.status, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /^backup: not needed \(nothing to apply\)$/m);
    });
  });

  it('stops before pushing when the backup cannot be taken, and says how to skip it', { skip: !canDump && fs.existsSync('/usr/lib/postgresql/15/bin') ? false : 'needs a server newer than every pg_dump here' }, async () => {
    await withScratchDatabase('push_nobackup', { migrate: false }, async (db) => {
      const run = push('--db-url', db.url, '--backup', '--backup-dir', path.join(out, 'refused'));
      assert.equal(run.status, 1, run.stdout);
      assert.match(run.stderr, new RegExp(`^db:push: backup before push: pg_dump \\d+ cannot dump a PostgreSQL ${serverMajor} server .*; nothing was pushed$`, 'm'));
      assert.match(run.stderr, /--no-backup pushes without one \(not for production\)/);
      noStackTrace(run.stderr);
      const [history] = await db.open()`select to_regclass('supabase_migrations.schema_migrations') is null as none`;
      assert.equal(history.none, true, 'no migration was applied');
    });
  });

  it('refuses conflicting or empty backup flags, a transaction pooler and a bad URL before connecting', () => {
    const cases: [string[], RegExp][] = [
      [['--db-url', 'postgresql://postgres:x@127.0.0.1:1/postgres', '--backup', '--no-backup'], /give --backup or --no-backup, not both/],
      [['--db-url', 'postgresql://postgres:x@127.0.0.1:1/postgres', '--no-backup', '--backup-dir', out], /--backup-dir and --pg-bindir are for the backup, which --no-backup skips/],
      [['--db-url', 'postgresql://postgres:x@127.0.0.1:1/postgres', '--backup-dir', ''], /--backup-dir needs a value/],
      [['--db-url', 'postgresql://postgres:x@127.0.0.1:1/postgres', '--backup-dir', '/etc/hostname'], /--backup-dir \/etc\/hostname is not a folder/],
      [['--db-url', 'postgresql://postgres.ref:x@aws-0-eu-west-1.pooler.supabase.com:6543/postgres', '--yes'], /Supavisor transaction pooler \(port 6543\)/],
      [['--db-url', 'nonsense'], /--db-url must be a postgresql:\/\/ URL/],
      [['--db-url', 'postgresql://postgres:x@db.abcdefgh.supabase.co:5432/postgres', '--no-backup'], /not a local database: pushing there needs --yes/],
    ];
    for (const [args, expected] of cases) {
      const run = push(...args);
      assert.equal(run.status, 1, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, expected, args.join(' '));
      noStackTrace(run.stderr);
    }
  });
});

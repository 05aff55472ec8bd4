/**
 * `npm run db:restore`: the drill (a scratch database restored, checked against the manifest and
 * dropped) passes on a backup of the seeded database and fails on a tampered manifest; a tampered
 * archive is refused before anything is restored; a real restore into an empty bootstrapped
 * database gives the source's schema, grants and rows, a non-empty target is refused unless
 * --clean, and every flag mistake is one line. Real pg_dump, pg_restore and psql throughout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Sql } from 'postgres';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { schemaSnapshot } from '../../scripts/lib/schema-snapshot.ts';
import type { Manifest } from '../../scripts/ops/backup/manifest.ts';
import { findPgTools } from '../../scripts/ops/backup/pg-tools.ts';
import { restoreTools } from '../../scripts/ops/backup/restore-run.ts';
import { connect, dbUrl, superuserUrl } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

const serverMajor = Number(process.env.TEST_PG_MAJOR ?? 17);
const noDump = (() => {
  try {
    findPgTools(serverMajor);
    return false;
  } catch {
    return `no pg_dump ${serverMajor} or newer on this machine`;
  }
})();

const cli = (script: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', `scripts/ops/${script}.ts`, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
const restore = (...args: string[]) => cli('restore', ...args);
const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `stack trace printed:\n${text}`);

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-test-'));
after(() => fs.rmSync(out, { recursive: true, force: true }));

/** A copy of a backup under another name, its manifest changed by `edit` and its archive by `tamper`. */
function copyBackup(from: string, name: string, edit: (m: Manifest) => void = () => {}, tamper?: (b: Buffer) => void): string {
  const dump = path.join(out, `${name}.dump`);
  const bytes = fs.readFileSync(from);
  tamper?.(bytes);
  fs.writeFileSync(dump, bytes);
  const manifest = JSON.parse(fs.readFileSync(from.replace(/\.dump$/, '.json'), 'utf8')) as Manifest;
  manifest.file = `${name}.dump`;
  edit(manifest);
  fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(manifest));
  return dump;
}

async function drillDatabases(): Promise<string[]> {
  return (await connect(superuserUrl())`select datname from pg_database where datname like 'backup_drill_%'`).map((r) => r.datname as string);
}

/** Every row of the kept tables, hashed per table: equal fingerprints, equal data. */
async function fingerprint(sql: Sql, tables: string[]): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const t of tables) {
    const [row] = await sql.unsafe(`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from ${t} x`);
    result[t] = row.h;
  }
  return result;
}

/**
 * A dump deparses expressions and parses them again: `((a AND b)) AND c` comes back as `(a AND b AND c)`,
 * the same constraint. Parentheses are dropped from constraint, index and policy text to compare;
 * with `sortAcls`, grants in another order compare equal too.
 */
const comparable = (snap: Record<string, string[]>, sortAcls = false) => Object.fromEntries(Object.entries(snap).map(([k, v]) => [k, v.map((line) => {
  let l = ['constraints', 'indexes', 'policies', 'storage_policies', 'domains'].includes(k) ? line.replace(/[()]/g, '') : line;
  if (sortAcls) l = l.replace(/acl=(\S*)/g, (_, a: string) => `acl=${a.split(',').sort().join(',')}`);
  return l;
}).sort()]));

describe('npm run db:restore --drill', { skip: noDump }, () => {
  let seeded: string;
  before(() => {
    const run = cli('backup', '--db-url', dbUrl(), '--out', out, '--name', 'seeded');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    seeded = path.join(out, 'seeded.dump');
  });

  it('restores into a scratch database, passes every check and drops the database', async () => {
    const run = restore('--file', seeded, '--drill', '--target-url', dbUrl(), '--json');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.passed, true);
    const names = report.checks.map((c: { name: string }) => c.name);
    for (const name of ['rows of public.tenants', 'rows of auth.users', 'rows of storage.buckets', 'rows of supabase_migrations.schema_migrations',
      'migration version', 'RLS enabled on every public table', 'the RPCs exist', 'publication memberships', 'policies on auth and storage tables', 'privileges as in the backup']) {
      assert.ok(names.includes(name), `${name} is checked`);
    }
    assert.match(report.database, /^backup_drill_\d{8}_[0-9a-f]{8}$/);
    assert.ok(!(await drillDatabases()).includes(report.database), 'the scratch database is dropped');
    const text = restore('--file', seeded, '--drill', '--target-url', dbUrl());
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^restore drill: pass \(\d+ passed, 0 failed\)$/m);
  });

  it('fails, names the table and exits 1 when the manifest does not match what was restored', async () => {
    const dump = copyBackup(seeded, 'miscounted', (m) => (m.rowCounts['public.tenants'] += 1));
    const run = restore('--file', dump, '--drill', '--target-url', dbUrl(), '--json');
    assert.equal(run.status, 1, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.passed, false);
    const failed = report.checks.filter((c: { ok: boolean }) => !c.ok);
    assert.equal(failed.length, 1, JSON.stringify(failed));
    assert.equal(failed[0].name, 'rows of public.tenants');
    assert.match(failed[0].evidence, /^(\d+) restored, (\d+) in the backup$/);
    assert.ok(!(await drillDatabases()).includes(report.database), 'dropped after a failure too');
    const versioned = copyBackup(seeded, 'other-version', (m) => (m.migrationVersion = '20000101000000'));
    const text = restore('--file', versioned, '--drill', '--target-url', dbUrl());
    assert.equal(text.status, 1);
    assert.match(text.stdout, /^FAIL {2}migration version +\d{14} \(backup: 20000101000000\)$/m);
    assert.match(text.stdout, /^restore drill: FAIL/m);
  });

  it('refuses a tampered archive before restoring anything (size and sha256 against the manifest)', async () => {
    const before = await drillDatabases();
    const flipped = copyBackup(seeded, 'flipped', undefined, (b) => (b[Math.floor(b.length / 2)] ^= 0xff));
    const run = restore('--file', flipped, '--drill', '--target-url', dbUrl());
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^db:restore: the archive .*flipped\.dump does not match its manifest \(size \d+, sha256 [0-9a-f]{12}…; the manifest says size \d+, sha256 [0-9a-f]{12}…\): refusing to restore it$/m);
    assert.doesNotMatch(run.stderr, /restore drill\.\.\./, 'refused before the drill started');
    noStackTrace(run.stderr);
    const truncated = copyBackup(seeded, 'truncated', undefined);
    fs.truncateSync(truncated, 100);
    assert.match(restore('--file', truncated, '--drill').stderr, /does not match its manifest/);
    assert.deepEqual(await drillDatabases(), before, 'no scratch database was made');
  });
});

describe('npm run db:restore into a database', { skip: noDump }, () => {
  it('restores into an empty bootstrapped database the schema, grants and rows of the source; refuses it once full; --clean replaces it', async () => {
    await withScratchDatabase('restore_source', { migrate: true, seed: true }, async (source) => {
      const src = source.open();
      const run = cli('backup', '--db-url', source.url, '--out', out, '--name', 'source', '--json');
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const manifest = JSON.parse(run.stdout).manifest as Manifest;
      const dump = path.join(out, 'source.dump');
      const tables = Object.keys(manifest.rowCounts);
      await withScratchDatabase('restore_target', { migrate: false }, async (target) => {
        const dst = target.open();
        const unconfirmed = restore('--file', dump, '--target-url', target.url);
        assert.equal(unconfirmed.status, 1);
        assert.match(unconfirmed.stderr, /a restore writes into 127\.0\.0\.1:\d+\/restore_target_\d+: add --confirm/);
        const first = restore('--file', dump, '--target-url', target.url, '--confirm');
        assert.equal(first.status, 0, first.stdout + first.stderr);
        assert.match(first.stdout, /^restore checks: pass/m);
        assert.deepEqual(comparable(await schemaSnapshot(dst), true), comparable(await schemaSnapshot(src), true));
        assert.deepEqual(comparable(await schemaSnapshot(dst)), comparable(await schemaSnapshot(src)), 'even the ACLs in the same order, as npm run verify compares them');
        assert.deepEqual(await fingerprint(dst, tables), await fingerprint(src, tables));
        const [anon] = await dst`select has_table_privilege('anon', 'public.tenants', 'select') as tenants, has_function_privilege('anon', 'public.create_tenant(text,text)', 'execute') as rpc`;
        assert.deepEqual({ ...anon }, { tenants: false, rpc: false }, 'the target\'s default privileges added no grants');
        const [defaults] = await dst`select count(*)::int as n from pg_default_acl where defaclrole = 'postgres'::regrole and defaclnamespace = 'public'::regnamespace`;
        assert.equal(defaults.n, 3, 'the target\'s default privileges are back');
        const [pub] = await dst`select count(*)::int as n from pg_publication_tables where pubname = 'supabase_realtime'`;
        assert.equal(pub.n, 2);

        const again = restore('--file', dump, '--target-url', target.url, '--confirm');
        assert.equal(again.status, 1);
        assert.match(again.stderr, /is not empty \(schema private exists; .*rows in auth\.users.*\): refusing to restore over it/);
        assert.match(again.stderr, /^hint: --clean drops and re-creates/m);
        noStackTrace(again.stderr);

        await dst`delete from public.feedback`;
        await dst`create table public.added_later (id int primary key)`;
        const clean = restore('--file', dump, '--target-url', target.url, '--confirm', '--clean');
        assert.equal(clean.status, 0, clean.stdout + clean.stderr);
        assert.deepEqual(await fingerprint(dst, tables), await fingerprint(src, tables), 'the rows are the backup\'s again');
        assert.deepEqual(comparable(await schemaSnapshot(dst)), comparable(await schemaSnapshot(src)), 'a table the backup did not have is gone');
      });
    });
  });

  it('rolls a failed restore back: an empty target stays empty, a full one keeps its rows under --clean', async () => {
    const run = cli('backup', '--db-url', dbUrl(), '--out', out, '--name', 'for-rollback');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const good = path.join(out, 'for-rollback.dump');
    // The last statement of the restore fails: a publication entry for a table the archive does not hold.
    const broken = copyBackup(good, 'fails-at-the-end', (m) => m.publications.push('supabase_realtime:public.not_in_backup'));
    await withScratchDatabase('restore_rollback', { migrate: false }, async (target) => {
      const dst = target.open();
      const state = async () => (await dst`select to_regnamespace('private') is null as no_private,
        (select count(*)::int from auth.users) as users, (select count(*)::int from pg_class where relnamespace = 'public'::regnamespace) as relations`)[0];
      const empty = { ...(await state()) };
      const failed = restore('--file', broken, '--target-url', target.url, '--confirm');
      assert.equal(failed.status, 1);
      assert.match(failed.stderr, /^db:restore: the restore failed and was rolled back: ERROR: {2}relation "public\.not_in_backup" does not exist/m);
      assert.match(failed.stderr, /^hint: the target is unchanged$/m);
      noStackTrace(failed.stderr);
      assert.deepEqual({ ...(await state()) }, empty);
      const ok = restore('--file', good, '--target-url', target.url, '--confirm');
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      const tables = Object.keys((JSON.parse(fs.readFileSync(good.replace(/\.dump$/, '.json'), 'utf8')) as Manifest).rowCounts);
      await dst`delete from public.feedback`;
      const before = await fingerprint(dst, tables);
      const failedClean = restore('--file', broken, '--target-url', target.url, '--confirm', '--clean');
      assert.equal(failedClean.status, 1);
      assert.match(failedClean.stderr, /rolled back/);
      assert.deepEqual(await fingerprint(dst, tables), before, 'the --clean drops and deletes were rolled back too');
    });
  });
});

describe('npm run db:restore refuses', () => {
  it('a target that is not Supabase-shaped, and client programs too old for the archive', { skip: noDump }, async () => {
    const admin = connect(superuserUrl());
    const name = `restore_blank_${process.pid}`;
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin`create database ${admin(name)}`;
    try {
      const seeded = path.join(out, 'seeded.dump');
      const run = restore('--file', seeded, '--target-url', dbUrl().replace(/\/[^/?]+$/, `/${name}`), '--confirm');
      assert.equal(run.status, 1);
      assert.match(run.stderr, /is not a Supabase database \(no table auth\.users; .*\)/);
      assert.match(run.stderr, /^hint: restore into a Supabase project or a database bootstrapped by npm start/m);
    } finally {
      await admin`drop database if exists ${admin(name)} with (force)`;
    }
    const manifest = { pgDump: { major: 99 } } as Manifest;
    assert.throws(() => restoreTools(manifest, 15), /pg_restore \d+ cannot read an archive written by pg_dump 99/);
  });

  it('missing or wrong flags, a missing manifest, a manifest that is not one', () => {
    fs.writeFileSync(path.join(out, 'lonely.dump'), 'x');
    fs.writeFileSync(path.join(out, 'garbled.dump'), 'x');
    fs.writeFileSync(path.join(out, 'garbled.json'), '{"format": "something else"}');
    fs.writeFileSync(path.join(out, 'nojson.dump'), 'x');
    fs.writeFileSync(path.join(out, 'nojson.json'), 'not json');
    const cases: [string[], RegExp][] = [
      [['--drill'], /--file is required/],
      [['--file', path.join(out, 'lonely.dump')], /give --drill, or --target-url <url> --confirm for a real restore/],
      [['--file', path.join(out, 'lonely.dump'), '--drill', '--confirm'], /--drill restores into a scratch database: --confirm and --clean are for a real restore/],
      [['--file', path.join(out, 'lonely.dump'), '--target-url', dbUrl(), '--db-url', dbUrl()], /a real restore names its target with --target-url/],
      [['--file', path.join(out, 'lonely.dump'), '--drill'], /no manifest at .*lonely\.json/],
      [['--file', path.join(out, 'missing.dump'), '--drill'], /no archive at .*missing\.dump/],
      [['--file', path.join(out, 'x.sql'), '--drill'], /--file must name a \.dump archive/],
      [['--file', path.join(out, 'garbled.dump'), '--drill'], /is not a backup manifest \(format: /],
      [['--file', path.join(out, 'nojson.dump'), '--drill'], /the manifest .*nojson\.json is not JSON/],
      [['--file', path.join(out, 'lonely.dump'), '--target-url', 'postgresql://u:pw@aws-0-x.pooler.supabase.com:6543/postgres', '--confirm'], /transaction pooler \(port 6543\)/],
      [['--file', path.join(out, 'lonely.dump'), '--drill', '--target-url', ''], /--target-url needs a value/],
      [['--file', path.join(out, 'lonely.dump'), '--nope'], /Unknown option '--nope'/],
    ];
    for (const [args, expected] of cases) {
      const run = restore(...args);
      assert.equal(run.status, 1, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, expected, args.join(' '));
      noStackTrace(run.stderr);
    }
  });
});

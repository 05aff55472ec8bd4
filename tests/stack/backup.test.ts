/**
 * `npm run db:backup`: a real pg_dump of the seeded test database with its manifest (row counts
 * from the dump's own snapshot, sha256, migration version, mode 0600), read back by pg_restore
 * --list; the refusals (pg_dump older than the server, the transaction pooler, bad flags), each one
 * line without a stack trace. Lanes whose server is newer than every pg_dump on the machine (here
 * the 17 lane: Debian 12 ships client 15 only) check the refusal for real and skip the dumps.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { manifestSchema, sha256File, type Manifest } from '../../scripts/ops/backup/manifest.ts';
import { findPgTools, type PgTools } from '../../scripts/ops/backup/pg-tools.ts';
import { parseToc, dataTables } from '../../scripts/ops/backup/toc.ts';
import { connect, dbUrl } from '../helpers/db.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';

const serverMajor = Number(process.env.TEST_PG_MAJOR ?? 17);
const tools: PgTools | undefined = (() => {
  try {
    return findPgTools(serverMajor);
  } catch {
    return undefined;
  }
})();
const noDump = tools ? false : `no pg_dump ${serverMajor} or newer on this machine (the refusal is tested instead)`;
const pg15 = '/usr/lib/postgresql/15/bin';

const backup = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ops/backup.ts', ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `stack trace printed:\n${text}`);
const mode = (file: string) => fs.statSync(file).mode & 0o777;
/** The same command without blocking the event loop (for a writer running meanwhile). */
const backupAsync = (...args: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/ops/backup.ts', ...args], { cwd: repoRoot, env: { ...process.env, CI: 'true' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
});

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-test-'));
after(() => fs.rmSync(out, { recursive: true, force: true }));

describe('npm run db:backup', { skip: noDump }, () => {
  let manifest: Manifest;
  let result: { dump: string; manifestFile: string; manifest: Manifest };

  before(() => {
    const run = backup('--db-url', dbUrl(), '--out', path.join(out, 'seeded'), '--name', 'seeded', '--json');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    result = JSON.parse(run.stdout);
    manifest = result.manifest;
  });

  it('writes <name>.dump and <name>.json, mode 0600, in a new folder of mode 0700', () => {
    assert.equal(result.dump, path.join(out, 'seeded', 'seeded.dump'));
    assert.equal(result.manifestFile, path.join(out, 'seeded', 'seeded.json'));
    assert.equal(mode(result.dump), 0o600);
    assert.equal(mode(result.manifestFile), 0o600);
    assert.equal(mode(path.join(out, 'seeded')), 0o700);
    assert.deepEqual(fs.readdirSync(path.join(out, 'seeded')).sort(), ['seeded.dump', 'seeded.json'], 'no partial file left');
    assert.deepEqual(manifestSchema.parse(JSON.parse(fs.readFileSync(result.manifestFile, 'utf8'))), manifest);
  });

  it('records the server, the migration version, the size and sha256 of the dump', async () => {
    const sql = connect(dbUrl());
    const [db] = await sql`select current_setting('server_version') as version, current_database() as name,
      (select max(version) from supabase_migrations.schema_migrations) as migration,
      (select count(*)::int from supabase_migrations.schema_migrations) as migrations`;
    assert.equal(manifest.server.version, db.version);
    assert.equal(manifest.server.major, serverMajor);
    assert.equal(manifest.database.name, db.name);
    assert.equal(manifest.migrationVersion, db.migration);
    assert.equal(manifest.migrations, db.migrations);
    const lastFile = fs.readdirSync(path.join(repoRoot, 'supabase', 'migrations')).filter((f) => f.endsWith('.sql')).sort().at(-1)!;
    assert.equal(manifest.migrationVersion, lastFile.split('_')[0]);
    assert.equal(manifest.size, fs.statSync(result.dump).size);
    assert.equal(manifest.sha256, await sha256File(result.dump));
    assert.ok(manifest.pgDump.major >= manifest.server.major);
    assert.doesNotMatch(JSON.stringify(manifest), /postgres:postgres@|"password"/, 'no password in the manifest');
  });

  it('counts every table it holds: public, private, the history and the kept auth and storage tables', async () => {
    const sql = connect(dbUrl());
    const appTables = await sql<{ t: string }[]>`
      select n.nspname || '.' || c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname in ('public', 'private', 'supabase_migrations') order by 1`;
    const counted = Object.keys(manifest.rowCounts);
    for (const { t } of appTables) assert.ok(counted.includes(t), `${t} is counted`);
    for (const t of ['auth.users', 'auth.identities', 'storage.buckets', 'storage.objects']) assert.ok(counted.includes(t), `${t} is counted`);
    assert.deepEqual(counted.filter((t) => /^(auth|storage)\./.test(t)).sort(), ['auth.identities', 'auth.users', 'storage.buckets', 'storage.objects']);
    assert.ok(manifest.contents.excludedTables.includes('auth.sessions') && manifest.contents.excludedTables.includes('auth.refresh_tokens'));
    assert.ok(manifest.rowCounts['public.tenants'] >= 3 && manifest.rowCounts['auth.users'] >= 6 && manifest.rowCounts['storage.buckets'] >= 1);
    assert.equal(manifest.rowCounts['supabase_migrations.schema_migrations'], manifest.migrations);
    assert.ok(manifest.publications.includes('supabase_realtime:public.conversations'));
    assert.ok(manifest.platformPolicies.some((p) => p.startsWith('storage.objects:conversation-files')));
    assert.ok(manifest.functions.includes('public.create_tenant(text,text)'), manifest.functions.join(', '));
    assert.ok(manifest.privileges.includes('public.tenants: authenticated SELECT'));
    assert.ok(!manifest.privileges.some((p) => /^public\.tenants: anon /.test(p)), 'anon has no grant on tenants');
    assert.match(manifest.contents.notIncluded.join(' '), /object bytes/);
  });

  it('pg_restore --list reads the archive: rows of exactly the counted tables, no sessions or tokens', () => {
    const listed = spawnSync(tools!.pgRestore, ['--list', result.dump], { encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    const toc = parseToc(listed.stdout);
    assert.deepEqual(dataTables(toc).sort(), Object.keys(manifest.rowCounts).sort());
    assert.equal(toc.dumpedFrom, manifest.server.version);
    assert.doesNotMatch(listed.stdout, /TABLE DATA auth (sessions|refresh_tokens)/);
    assert.doesNotMatch(listed.stdout, / cron /, 'pg_cron\'s tables are the platform\'s');
  });

  it('prints a summary without --json, and refuses to overwrite a backup of the same name', () => {
    const dir = path.join(out, 'text');
    const first = backup('--db-url', dbUrl(), '--out', dir, '--name', 'again');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^backup: .*again\.dump \(\d+ tables, \d+ rows, \d+ bytes, sha256 [0-9a-f]{12}…, migration \d{14}\)$/m);
    assert.match(first.stdout, /^verified: pg_restore --list reads the archive and lists every counted table$/m);
    const second = backup('--db-url', dbUrl(), '--out', dir, '--name', 'again');
    assert.equal(second.status, 1);
    assert.match(second.stderr, /again\.dump already exists/);
    noStackTrace(second.stderr);
    const byDefault = backup('--db-url', dbUrl(), '--out', dir);
    assert.equal(byDefault.status, 0, byDefault.stderr);
    assert.ok(fs.readdirSync(dir).some((f) => /^[A-Za-z0-9_-]+-\d{8}T\d{6}Z\.dump$/.test(f)), fs.readdirSync(dir).join(', '));
  });

  it('counts in the dump\'s own snapshot: rows written meanwhile are in neither, and the drill agrees', async () => {
    await withScratchDatabase('backup_snapshot', { migrate: false }, async (db) => {
      const sql = db.open(2);
      await sql.unsafe('create schema private; create table private.ticks (id bigserial primary key, at timestamptz default clock_timestamp())');
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing && i < 100_000; i++) await sql`insert into private.ticks default values`;
      })();
      await new Promise((r) => setTimeout(r, 200));
      const run = await backupAsync('--db-url', db.url, '--out', path.join(out, 'snapshot'), '--name', 'busy', '--verify-restore', '--json');
      await new Promise((r) => setTimeout(r, 200));
      writing = false;
      await writer;
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const report = JSON.parse(run.stdout);
      const counted = report.manifest.rowCounts['private.ticks'] as number;
      const [{ n }] = await sql`select count(*)::int as n from private.ticks`;
      assert.ok(counted > 0 && n > counted, `counted ${counted}, ${n} rows at the end: the writer went on after the snapshot`);
      assert.equal(report.drill.passed, true, JSON.stringify(report.drill.checks.filter((c: { ok: boolean }) => !c.ok)));
      assert.deepEqual(report.drill.checks.find((c: { name: string }) => c.name === 'rows of private.ticks'), { name: 'rows of private.ticks', ok: true, evidence: String(counted) });
    });
  });

  it('--verify-restore runs the restore drill after the backup', () => {
    const run = backup('--db-url', dbUrl(), '--out', path.join(out, 'drilled'), '--name', 'drilled', '--verify-restore');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^pass {2}rows of public\.messages +\d+$/m);
    assert.match(run.stdout, /^restore drill: pass$/m);
  });
});

describe('npm run db:backup refuses', () => {
  it('a pg_dump older than the server, in one line naming both majors', { skip: serverMajor > 15 && fs.existsSync(pg15) ? false : 'needs a server newer than the machine\'s pg_dump 15' }, () => {
    const run = backup('--db-url', dbUrl(), '--out', path.join(out, 'old'), '--pg-bindir', pg15);
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`^db:backup: pg_dump 15 cannot dump a PostgreSQL ${serverMajor} server`, 'm'));
    assert.match(run.stderr, /^hint: install the PostgreSQL \d+ client programs/m);
    noStackTrace(run.stderr);
    assert.equal(fs.existsSync(path.join(out, 'old')), false, 'nothing written');
  });

  it('client programs too old for a server or an archive (the choice itself, on every lane)', { skip: fs.existsSync(pg15) ? false : 'no PostgreSQL 15 client' }, () => {
    assert.throws(() => findPgTools(99, { explicitDir: pg15 }), /^StackError: pg_dump 15 cannot dump a PostgreSQL 99 server/);
    assert.throws(() => findPgTools(99, {}, { PATH: '' }), /pg_dump \d+ cannot dump a PostgreSQL 99 server \(the newest found: /);
    assert.equal(findPgTools(15, { explicitDir: pg15 }).major, 15);
    assert.throws(() => findPgTools(15, { explicitDir: os.tmpdir() }), /does not hold pg_dump, pg_restore and psql/);
  });

  it('the Supavisor transaction pooler, bad URLs, unknown flags and bad names, before connecting', () => {
    const cases: [string[], RegExp][] = [
      [['--db-url', 'postgresql://postgres.ref:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres'], /pooler\.supabase\.com:6543 looks like the Supavisor transaction pooler \(port 6543\), which does not support pg_dump/],
      [['--db-url', 'postgresql://postgres:pw@db.ref.supabase.co:5432/postgres?pgbouncer=true'], /transaction pooler/],
      [['--db-url', 'not a url'], /--db-url must be a postgresql:\/\/ URL/],
      [['--db-url', 'http://127.0.0.1/x'], /--db-url must be a postgresql:\/\/ URL, got a http: URL/],
      [['--db-url', 'postgresql://127.0.0.1:1/x?sslfoo=1', '--out', out], /the URL parameter "sslfoo" is not supported/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['--db-url', dbUrl(), '--name', '../escape'], /--name must be letters, digits/],
      [['--db-url', dbUrl(), '--out', '/etc/hostname'], /--out \/etc\/hostname is not a folder/],
      [['--db-url', dbUrl(), '--out', ''], /--out needs a value/],
      [['--db-url', dbUrl(), '--target-url', dbUrl()], /--target-url is the drill's server: it goes with --verify-restore/],
    ];
    for (const [args, expected] of cases) {
      const run = backup(...args);
      assert.equal(run.status, 1, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, expected, args.join(' '));
      assert.doesNotMatch(run.stderr, /:pw@/, 'no password echoed');
      noStackTrace(run.stderr);
    }
  });

  it('an unreachable database, in one line', () => {
    const run = backup('--db-url', 'postgresql://postgres:pw@127.0.0.1:1/postgres', '--out', path.join(out, 'unreachable'));
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^db:backup: cannot reach the database/m);
    noStackTrace(run.stderr);
  });
});

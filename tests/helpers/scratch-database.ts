/**
 * A scratch database in the test cluster, for tests that must commit or change the schema
 * without disturbing the shared, seeded test database: created, bootstrapped, optionally
 * migrated (real CLI) and seeded, and dropped afterwards.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import postgres, { type Sql } from 'postgres';
import { applyPlatformBootstrap } from '../../scripts/local/stack/bootstrap.ts';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { dbPush } from '../../scripts/lib/supabase-cli.ts';
import { connect, dbUrl, superuserUrl } from './db.ts';

export interface ScratchDatabase {
  /** The `postgres` login on the scratch database. */
  url: string;
  superuserUrl: string;
  /** A fresh connection pool (closed by withScratchDatabase). */
  open(max?: number, login?: 'postgres' | 'authenticator'): Sql;
}

const withDatabase = (url: string, name: string) => url.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);

export async function withScratchDatabase<T>(
  name: string,
  opts: { migrate: boolean; seed?: boolean },
  fn: (db: ScratchDatabase) => Promise<T>,
): Promise<T> {
  const admin = connect(superuserUrl());
  const dbName = `${name}_${process.pid}`;
  await admin`drop database if exists ${admin(dbName)} with (force)`;
  await admin`create database ${admin(dbName)}`;
  const pools: Sql[] = [];
  const db: ScratchDatabase = {
    url: withDatabase(dbUrl(), dbName),
    superuserUrl: withDatabase(superuserUrl(), dbName),
    open(max = 1, login = 'postgres') {
      const url = login === 'postgres' ? db.url : db.url.replace('postgres:postgres@', 'authenticator:postgres@');
      const sql = postgres(url, { max, onnotice: () => {}, connect_timeout: 10 });
      pools.push(sql);
      return sql;
    },
  };
  try {
    await applyPlatformBootstrap(db.superuserUrl, 'postgres');
    if (opts.migrate) await dbPush(db.url, { includeSeed: opts.seed ?? false });
    return await fn(db);
  } finally {
    await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
    await admin`drop database if exists ${admin(dbName)} with (force)`;
  }
}

/**
 * A scratch database (created with migrate: false) migrated up to, not including, one migration,
 * each file run in a transaction as `supabase db push` would; `run` runs further files.
 */
export async function migratedUpTo(sql: Sql, migration: string) {
  const dir = (kind: string) => path.join(repoRoot, 'supabase', kind);
  const run = (file: string) => sql.begin((tx) => tx.unsafe(fs.readFileSync(file, 'utf8')));
  const migrations = fs.readdirSync(dir('migrations')).filter((f) => f.endsWith('.sql')).sort();
  const target = migrations.indexOf(migration);
  assert.ok(target > 0, `${migration} is a migration`);
  for (const m of migrations.slice(0, target)) await run(path.join(dir('migrations'), m));
  return { sql, run, dir, migrations, target };
}

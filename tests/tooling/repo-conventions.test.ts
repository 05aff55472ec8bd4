/** Conventions the checklists rely on: rollbacks for every migration, pinned imports in sync. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';

const migrationsDir = path.join(repoRoot, 'supabase', 'migrations');
const rollbacksDir = path.join(repoRoot, 'supabase', 'rollbacks');

describe('repository conventions', () => {
  it('every migration is named YYYYMMDDHHMMSS_<verb>_<thing>.sql and has a rollback', () => {
    const migrations = fs.readdirSync(migrationsDir).filter((f) => f.endsWith('.sql'));
    assert.ok(migrations.length > 0);
    for (const m of migrations) {
      assert.match(m, /^\d{14}_[a-z0-9]+(_[a-z0-9]+)+\.sql$/, m);
      assert.ok(fs.existsSync(path.join(rollbacksDir, m.replace(/\.sql$/, '.down.sql'))), `${m} has no rollback in supabase/rollbacks`);
    }
    for (const r of fs.readdirSync(rollbacksDir)) {
      assert.ok(migrations.includes(r.replace(/\.down\.sql$/, '.sql')), `${r} rolls back no migration`);
    }
  });

  it('edge-function imports are pinned npm: specifiers at the versions package.json installs', () => {
    const deno = JSON.parse(fs.readFileSync(path.join(repoRoot, 'supabase', 'functions', 'deno.json'), 'utf8')) as { imports: Record<string, string> };
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const [name, spec] of Object.entries(deno.imports)) {
      const m = /^npm:(@?[^@]+)@(\d+\.\d+\.\d+)$/.exec(spec);
      assert.ok(m, `${name}: ${spec} is not a pinned npm: specifier`);
      assert.equal(m[2], pkg.dependencies[m[1]], `${m[1]}: deno.json pins ${m[2]}, package.json ${pkg.dependencies[m[1]]}`);
    }
  });
});

describe('package-lock.json', () => {
  it('lists every optional platform package, so npm ci accepts it (npm run lock:complete)', async () => {
    const { missingPlatformEntries } = await import('../../scripts/local/dev/complete-lockfile.ts');
    const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8'));
    assert.deepEqual(missingPlatformEntries(lock.packages).map(([k]) => k), []);
    const incomplete = { 'node_modules/deno': { optionalDependencies: { '@deno/darwin-arm64': '2.9.6' } } };
    assert.deepEqual(missingPlatformEntries(incomplete), [['node_modules/@deno/darwin-arm64', { version: '2.9.6', optional: true, os: ['darwin'], cpu: ['arm64'] }]]);
  });
});

/** The TypeScript of scripts, tests and types compiles under strict settings. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';

describe('typecheck', () => {
  it('tsc --noEmit reports no errors', () => {
    const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');
    const result = spawnSync(tsc, ['--noEmit', '-p', repoRoot], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it('deno check passes for the edge functions, the gateway and the test fixtures', () => {
    const deno = path.join(repoRoot, 'node_modules', '.bin', 'deno');
    const entries = [
      ...fs.readdirSync(path.join(repoRoot, 'supabase', 'functions'), { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(repoRoot, 'supabase', 'functions', d.name, 'index.ts')))
        .map((d) => `supabase/functions/${d.name}/index.ts`),
      'scripts/local/gateway/main.ts',
      ...fs.readdirSync(path.join(repoRoot, 'tests', 'fixtures', 'functions'), { withFileTypes: true })
        .filter((d) => d.isDirectory()).map((d) => `tests/fixtures/functions/${d.name}/handler.ts`),
    ];
    assert.ok(entries.some((e) => e.startsWith('supabase/functions/')), 'at least one function');
    const result = spawnSync(deno, ['check', '--frozen', '--config', 'supabase/functions/deno.json', ...entries],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });
});

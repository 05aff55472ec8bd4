/**
 * The generated types as a frontend uses them: tests/fixtures/app (its own tsconfig: bundler
 * resolution, no allowImportingTsExtensions, browser libs, strict) compiles typical supabase-js
 * calls against createClient<Database> from types/database.types.ts: embedding, filters,
 * .single(), writes, the RPCs' arguments and results, the current_day_usage view. Its
 * `// @ts-expect-error` lines are misuses (an unknown column or function, a wrong or missing
 * argument): tsc fails on any of them that compiles (TS2578), so one run proves both sides.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';

const app = path.join(repoRoot, 'tests', 'fixtures', 'app');

describe('app types', () => {
  it('a typical app compiles with tsc --strict against the generated Database types, and misuses are rejected', () => {
    const source = fs.readFileSync(path.join(app, 'src', 'chat.tsx'), 'utf8');
    const misuses = source.split('\n').filter((l) => /^\s*\/\/ @ts-expect-error: /.test(l));
    assert.ok(misuses.length >= 8, `misuses checked: ${misuses.length}`);
    const config = JSON.parse(fs.readFileSync(path.join(app, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    assert.equal(config.compilerOptions.moduleResolution, 'bundler');
    assert.equal(config.compilerOptions.strict, true);
    assert.equal(config.compilerOptions.allowImportingTsExtensions, undefined);
    const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');
    const result = spawnSync(tsc, ['-p', app, '--pretty', 'false'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });
});

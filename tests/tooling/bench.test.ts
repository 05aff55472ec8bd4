/** `npm run bench` keeps working (a small run) and refuses bad arguments. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/stack/config.ts';

const bench = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });

describe('npm run bench', () => {
  it('measures the summary refresh on the seed and on generated messages, and writes JSON', () => {
    const run = bench('--messages', '2000', '--runs', '1');
    assert.equal(run.status, 0, run.stderr);
    const file = /wrote (bench\/results\/\S+\.json)/.exec(run.stdout)?.[1];
    assert.ok(file, run.stdout);
    const result = JSON.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'));
    fs.rmSync(path.join(repoRoot, file));
    assert.deepEqual(result.summary_refresh.map((r: { messages: number }) => r.messages), [14, 2014]);
    assert.ok(result.summary_refresh[1].feedback_summary_rows > 0);
    assert.equal(result.machine.cores > 0, true);
  });

  it('refuses a bad argument with one line and changes nothing', () => {
    const run = bench('--messages=-5');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /bench: --messages must be a positive whole number, got "-5"/);
    assert.doesNotMatch(run.stderr, /^\s+at /m);
    const unknown = bench('--rows', '5');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /bench: Unknown option '--rows'/);
    assert.match(unknown.stderr, /hint: usage: npm run bench/);
  });
});

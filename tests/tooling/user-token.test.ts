/** scripts/ops/user-token.ts prints a token the gateway accepts for that user, and refuses unknown users. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { apiUrl, anonKey } from '../helpers/api.ts';
import { dbUrl } from '../helpers/db.ts';
import { USER } from '../helpers/seed-ids.ts';

const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ops/user-token.ts', ...args],
  { cwd: repoRoot, env: { ...process.env, DATABASE_URL: dbUrl(), JWT_SECRET: process.env.TEST_JWT_SECRET }, encoding: 'utf8' });

describe('user-token', () => {
  it('mints a token for a seed user by email that whoami accepts', async () => {
    const out = run('--user=bob@acme.test');
    assert.equal(out.status, 0, out.stderr);
    const token = out.stdout.trim();
    const res = await fetch(`${apiUrl()}/functions/v1/whoami`, { headers: { Authorization: `Bearer ${token}`, apikey: anonKey() } });
    const body = await res.json();
    assert.deepEqual([body.role, body.user_id], ['authenticated', USER.bob]);
  });

  it('refuses an unknown account and bad arguments with one line', () => {
    const unknown = run('--user=nobody@nowhere.test');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^user-token: no account nobody@nowhere.test$/m);
    const bad = run('--user=bob@acme.test', '--expires-in=soon');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--expires-in must be a positive whole number/);
  });
});

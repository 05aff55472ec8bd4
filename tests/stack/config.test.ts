/** Stack settings: the same defaults and keys as `supabase start`, overridable by env. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jwtVerify } from 'jose';
import { DEFAULT_JWT_SECRET, loadStackConfig, signApiKey } from '../../scripts/lib/stack-config.ts';

// The widely published local keys of the Supabase CLI.
const PUBLISHED_ANON = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';
const PUBLISHED_SERVICE = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU';

describe('stack config', () => {
  it('defaults to the ports, password, secret and keys of supabase start', async () => {
    const c = await loadStackConfig({});
    assert.equal(c.dbPort, 54322);
    assert.equal(c.apiPort, 54321);
    assert.equal(c.apiUrl, 'http://127.0.0.1:54321');
    assert.equal(c.dbPassword, 'postgres');
    assert.equal(c.jwtSecret, DEFAULT_JWT_SECRET);
    assert.equal(c.anonKey, PUBLISHED_ANON);
    assert.equal(c.serviceRoleKey, PUBLISHED_SERVICE);
    assert.equal(c.externalDatabaseUrl, undefined);
  });

  it('signs keys with a custom JWT secret, verifiable with that secret', async () => {
    const secret = 'another-secret-that-is-long-enough-for-hs256';
    const c = await loadStackConfig({ JWT_SECRET: secret, DB_PORT: '6543', API_PORT: '6000' });
    assert.notEqual(c.anonKey, PUBLISHED_ANON);
    const { payload } = await jwtVerify(c.serviceRoleKey, new TextEncoder().encode(secret));
    assert.deepEqual(payload, { iss: 'supabase-demo', role: 'service_role', exp: 1983812996 });
    assert.equal(c.dbPort, 6543);
    assert.equal(c.apiUrl, 'http://127.0.0.1:6000');
    assert.equal(await signApiKey('anon', DEFAULT_JWT_SECRET), PUBLISHED_ANON);
  });

  it('refuses a short secret and a port that is not a port', async () => {
    await assert.rejects(loadStackConfig({ JWT_SECRET: 'short' }), /at least 32 characters/);
    await assert.rejects(loadStackConfig({ DB_PORT: 'abc' }), /DB_PORT must be a port number/);
    await assert.rejects(loadStackConfig({ API_PORT: '70000' }), /API_PORT must be a port number/);
  });
});

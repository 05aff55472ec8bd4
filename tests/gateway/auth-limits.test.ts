/**
 * /auth/v1's per-IP limits ([auth.rate_limit], requests per 5 minutes) and enable_signup = false,
 * on a gateway of its own whose config.toml sets sign_in_sign_ups = 4 and token_refresh = 3: the
 * request past the limit is 429 over_request_rate_limit (an AuthApiError in supabase-js), counted
 * before anything else is checked, and writes nothing. The default config keeps GoTrue's 30 / 150.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'smol-toml';
import { serviceRoleKey } from '../helpers/api.ts';
import { authClient, authCounts, removeTestAccounts, startAuthGateway, uniqueEmail } from '../helpers/auth.ts';

let gw: { url: string; stop: () => Promise<void> };
const who = { email: uniqueEmail('limits'), password: 'limit-pass-1' };

before(async () => {
  gw = await startAuthGateway({ 'auth.enable_signup': false, 'auth.rate_limit.sign_in_sign_ups': 4, 'auth.rate_limit.token_refresh': 3 });
  // The admin API is not limited: the account is made there.
  assert.equal((await authClient(gw.url, serviceRoleKey()).auth.admin.createUser({ ...who, email_confirm: true })).error, null);
});
after(async () => {
  await removeTestAccounts();
  await gw?.stop();
});

describe('rate limits', () => {
  it('the default config keeps GoTrue\'s limits (30 sign-ins and sign-ups, 150 refreshes per 5 minutes)', () => {
    const toml = parse(fs.readFileSync(new URL('../../supabase/config.toml', import.meta.url), 'utf8')) as { auth: { rate_limit: Record<string, number>; refresh_token_reuse_interval: number } };
    assert.equal(toml.auth.rate_limit.sign_in_sign_ups, 30);
    assert.equal(toml.auth.rate_limit.token_refresh, 150);
    assert.equal(toml.auth.refresh_token_reuse_interval, 10);
  });

  it('signup_disabled 422 counts as a sign-up; the fifth sign-in or sign-up is 429 over_request_rate_limit and writes nothing', async () => {
    const signup = await authClient(gw.url).auth.signUp({ email: uniqueEmail('nope'), password: 'limit-pass-1' });
    assert.deepEqual([signup.error?.code, signup.error?.status, signup.error?.message], ['signup_disabled', 422, 'Signups not allowed for this instance']);
    const sessions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { data, error } = await authClient(gw.url).auth.signInWithPassword(who);
      assert.equal(error, null);
      sessions.push(data.session!.refresh_token);
    }
    const before = await authCounts([who.email]);
    const limited = await authClient(gw.url).auth.signInWithPassword(who);
    assert.deepEqual([limited.error?.name, limited.error?.code, limited.error?.status, limited.error?.message],
      ['AuthApiError', 'over_request_rate_limit', 429, 'Request rate limit reached']);
    const wrongToo = await authClient(gw.url).auth.signInWithPassword({ ...who, password: 'wrong-guess-1' });
    assert.equal(wrongToo.error?.code, 'over_request_rate_limit', 'brute force stops at the limit, before the password is checked');
    assert.deepEqual(await authCounts([who.email]), before);

    // Refreshes have their own bucket.
    for (let i = 0; i < 3; i++) {
      const r = await authClient(gw.url).auth.refreshSession({ refresh_token: sessions[i] });
      assert.equal(r.error, null);
    }
    const refreshLimited = await authClient(gw.url).auth.refreshSession({ refresh_token: sessions[0] });
    assert.deepEqual([refreshLimited.error?.code, refreshLimited.error?.status], ['over_request_rate_limit', 429]);
  });
});

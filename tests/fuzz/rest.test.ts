/**
 * Fuzz /rest/v1: generated PostgREST query strings, bodies, headers and credentials against every
 * method of tables, views and RPCs. Properties: no 5xx; every refusal in PostgREST's error shape
 * {code, details, hint, message} (HEAD: no body); a refused request writes nothing (the fuzz
 * world's rows are unchanged). FUZZ_SECONDS (default 3) bounds the run.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { apiUrl } from '../helpers/api.ts';
import { createWorld, destroyWorld, type FuzzWorld } from '../helpers/fuzz-fixture.ts';
import { authHeaders, buildCredentials, type Credentials } from '../helpers/fuzz-tokens.ts';
import { queryString, restBody, restFingerprint, restHeaders, TABLES } from '../helpers/rest-fuzz.ts';

let world: FuzzWorld;
let creds: Credentials;
before(async () => {
  world = await createWorld('rest');
  const { owner, admin, member, outsider } = world.users;
  creds = await buildCredentials({ owner, admin, member, outsider });
});
after(async () => { await destroyWorld(world); });

const seconds = Number(process.env.FUZZ_SECONDS ?? 3);

it('fuzz /rest/v1: no 5xx, PostgREST error shape, refusals write nothing', async () => {
  let before = await restFingerprint(world);
  const statuses: Record<number, number> = {};
  const request = fc.record({
    method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'POST', 'PATCH', 'DELETE', 'PUT'),
    table: fc.constantFrom(...TABLES),
    query: queryString,
    headers: restHeaders,
    auth: authHeaders(creds),
    body: restBody,
  });
  const outcome = await fc.check(fc.asyncProperty(request, async (r) => {
    const headers = new Headers(r.auth.headers);
    if (r.headers.prefer) headers.set('Prefer', r.headers.prefer);
    if (r.headers.accept) headers.set('Accept', r.headers.accept);
    if (r.headers.profile !== undefined) headers.set(r.method === 'GET' || r.method === 'HEAD' ? 'Accept-Profile' : 'Content-Profile', r.headers.profile);
    if (r.headers.range) headers.set('Range', r.headers.range);
    const hasBody = ['POST', 'PATCH', 'PUT'].includes(r.method);
    if (hasBody) headers.set('Content-Type', 'application/json');
    const res = await fetch(`${apiUrl()}/rest/v1/${r.table}${r.query ? `?${r.query}` : ''}`, { method: r.method, headers, body: hasBody ? r.body : undefined });
    const text = await res.text();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    const label = `${r.method} /${r.table}?${r.query} [${r.auth.note}] ${JSON.stringify(r.headers)} body ${hasBody ? r.body.slice(0, 200) : '-'} -> ${res.status} ${text.slice(0, 300)}`;
    assert.ok(res.status < 500, label);
    if (res.status >= 400) {
      if (r.method === 'HEAD') assert.equal(text, '', label);
      else assert.deepEqual(Object.keys(JSON.parse(text)).sort(), ['code', 'details', 'hint', 'message'], label);
      const after = await restFingerprint(world);
      assert.equal(after, before, `a refused request changed the world: ${label}`);
    } else {
      before = await restFingerprint(world);
    }
  }), { interruptAfterTimeLimit: seconds * 1000, numRuns: 1_000_000, endOnFailure: true });
  // The counterexample, cut short (hostile values can be megabytes).
  if (outcome.failed) assert.fail(`${String((outcome.errorInstance as Error)?.message ?? outcome.errorInstance).slice(0, 1500)} (seed ${outcome.seed})`);
  console.log(`rest fuzz statuses: ${JSON.stringify(statuses)}`);
});

/**
 * Fuzz /auth/v1 (fast-check, one property per route, in the house style of tests/helpers/fuzz.ts):
 * hostile bodies (wrong types, NUL and lone surrogates, deep nesting, huge numbers, duplicate
 * keys), hostile targets and queries, odd methods, forged and real tokens, odd API-version
 * headers, against a gateway of this file's own. Each run asserts no 5xx, GoTrue's error shapes
 * (tests/helpers/auth-fuzz.ts), nothing changed by a refused request (every auth row of the world's
 * accounts and of any address the request names), and never a user without an identity or a
 * session without a refresh token. FUZZ_SECONDS, FUZZ_SEED and FUZZ_ONLY work as in the suite.
 */
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { serviceRoleKey } from '../helpers/api.ts';
import {
  addressesIn, type AuthWorld, authShapeProblems, commitsOnRefusal, createAuthWorld, FUZZ_DOMAIN, fingerprint, noPartialWrites, PASSWORD,
  removeFuzzAccounts, restoreWorld,
} from '../helpers/auth-fuzz.ts';
import { startAuthGateway } from '../helpers/auth.ts';
import type { FuzzContext } from '../helpers/fuzz.ts';
import { type FuzzRequest, send } from '../helpers/fuzz-http.ts';
import { describeResponse, printTable, type RouteStats, Violation } from '../helpers/fuzz-report.ts';
import { assemble, body, oddMethod } from '../helpers/fuzz-requests.ts';
import { deepNesting, encodeSegment, hostileSegment, hostileString, hostileValue, type Json, Obj, objectBody, spoiled } from '../helpers/fuzz-values.ts';

const env = process.env;
const SECONDS = Number(env.FUZZ_SECONDS ?? 2.5);
let gw: { url: string; stop: () => Promise<void> };
let world: AuthWorld;
const created = new Set<string>();
const stats: RouteStats[] = [];

before(async () => {
  gw = await startAuthGateway({
    'auth.refresh_token_reuse_interval': 1,
    'auth.rate_limit.sign_in_sign_ups': 1_000_000,
    'auth.rate_limit.token_refresh': 1_000_000,
  });
  world = await createAuthWorld(gw.url, 'fuzz');
});
after(async () => {
  await removeFuzzAccounts([...created].filter((id) => !id.startsWith('20000000-0000-4000-8000-')));
  await gw?.stop();
  printTable('auth', stats);
});

/** The parts of one fingerprint the other lacks. */
function changedParts(a: string, b: string): string {
  const other = new Set(b.split(/[,|]/));
  return a.split(/[,|]/).filter((p) => !other.has(p)).join(' ; ').slice(0, 600);
}

const email = () => fc.oneof(
  { weight: 4, arbitrary: fc.nat(40).map((n) => `new-${process.pid}-${n}@${FUZZ_DOMAIN}`) },
  { weight: 2, arbitrary: fc.constantFrom(world.users.a.email, world.users.b.email, 'alice@acme.test', world.users.a.email.toUpperCase(), 'someone@example.com', 'not-an-email') },
  { weight: 2, arbitrary: spoiled(world.users.b.email) },
  { weight: 1, arbitrary: hostileString },
);
const password = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(PASSWORD, 'password123', 'other-pass-2') },
  { weight: 1, arbitrary: fc.constantFrom('', 'short', 'x'.repeat(73), 'é'.repeat(40), 'pass\u0000word') }, { weight: 1, arbitrary: hostileString });
const metadata: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)))
    .map(([k, v]) => new Obj([[k, v], ['display_name', 'Fuzz']])) },
  { weight: 1, arbitrary: fc.tuple(hostileString, fc.oneof(hostileString, fc.integer(), fc.constant(null))).map(([k, v]) => new Obj([[k.slice(0, 20), v], ['display_name', 'Fuzz']])) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: hostileValue },
);
const version = fc.constantFrom<[string, string][]>([['X-Supabase-Api-Version', '2024-01-01']], [['X-Supabase-Api-Version', '2024-01-01']], [],
  [['X-Supabase-Api-Version', '2023-05-01']], [['X-Supabase-Api-Version', '2024-13-45']], [['X-Supabase-Api-Version', 'garbage\u00e9']]);

/** /auth/v1<path>: canonical mostly; else a trailing slash, a hostile query, a hostile suffix, dot segments. */
function target(path: string, query = ''): fc.Arbitrary<{ target: string; note: string }> {
  const canonical = `/auth/v1${path}${query}`;
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant({ target: canonical, note: 'canonical' }) },
    { weight: 1, arbitrary: fc.constantFrom(`/auth/v1${path}/${query}`, `/auth/v1/${path}${query}`, `/AUTH/v1${path}`, `/auth/v1${path}%00`).map((t) => ({ target: t, note: 'variant' })) },
    { weight: 2, arbitrary: fc.array(fc.tuple(hostileSegment, hostileSegment), { minLength: 1, maxLength: 3 })
      .map((q) => ({ target: `${canonical}${query ? '&' : '?'}${q.map(([k, v]) => `${k}=${v}`).join('&')}`, note: 'hostile query' })) },
    { weight: 1, arbitrary: hostileSegment.map((s) => ({ target: `/auth/v1${path}/${s}`, note: 'hostile suffix' })) },
    { weight: 1, arbitrary: fc.constantFrom(`/auth/v1${path}/..`, `/auth/v1/%2e%2e/functions/v1/whoami`, `/auth/v1${path}/..%2fadmin`, `/auth/v1\\admin\\users`)
      .map((t) => ({ target: t, note: 'dot segments / escapes' })) },
  );
}

/** A whole request to an auth route: its method mostly, credentials (admin routes see the service key more often), a JSON body. */
function requestTo(methods: string[], path: fc.Arbitrary<{ target: string; note: string }>, fields?: Record<string, fc.Arbitrary<Json>>, admin = false, validWeight = 12): fc.Arbitrary<FuzzRequest> {
  // Valid fields more often than the suite's default, so requests also get past validation and write.
  const creds = admin ? { ...world.creds, 'key:service_role-2': serviceRoleKey(), 'key:service_role-3': serviceRoleKey() } : world.creds;
  const ctx = { creds, world: undefined } as unknown as FuzzContext;
  return assemble(ctx, {
    method: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...methods) }, { weight: 1, arbitrary: oddMethod }),
    target: path,
    body: fields ? body(objectBody(fields, { validWeight }), { oversize: 1 << 20 }) : undefined,
    headers: version,
  });
}

function route(name: string, arb: () => fc.Arbitrary<FuzzRequest>): void {
  const skip = env.FUZZ_ONLY !== undefined && !name.includes(env.FUZZ_ONLY);
  test(`fuzz auth ${name}`, { skip, timeout: 600_000 }, async () => {
    const s: RouteStats = { route: name, runs: 0, requests: 0, statuses: {}, ms: 0, seed: 0, failed: false, unconfirmed: {} };
    stats.push(s);
    let inFlight: Promise<unknown> = Promise.resolve();
    const property = fc.asyncProperty(arb(), (req) => (inFlight = runOnce(req)));
    const runOnce = async (req: FuzzRequest) => {
      s.runs++;
      s.requests++;
      const emails = addressesIn(req);
      const beforeFp = await fingerprint(world, emails);
      const res = await send(gw.url, req);
      s.statuses[res.status || 'none'] = (s.statuses[res.status || 'none'] ?? 0) + 1;
      const problems = authShapeProblems(req, res);
      if (res.status >= 200 && res.status < 300) {
        for (const m of res.body.toString('utf8').matchAll(/"id":"([0-9a-f-]{36})"/g)) created.add(m[1]);
        await restoreWorld(world);
      } else if (commitsOnRefusal(res)) {
        await restoreWorld(world);
      } else {
        if (res.status === 0) await new Promise((r) => setTimeout(r, 50));
        const afterFp = await fingerprint(world, emails);
        if (afterFp !== beforeFp) problems.push(`partial write: refused with ${res.status}, but auth rows changed:\n  before ${changedParts(beforeFp, afterFp)}\n  after  ${changedParts(afterFp, beforeFp)}`);
      }
      problems.push(...await noPartialWrites());
      if (problems.length) throw new Violation(`${problems.join('\n')}\n${describeResponse(res)}`);
    };
    const seed = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
    s.seed = seed;
    const t0 = performance.now();
    const result = await fc.check(property, { seed, numRuns: Number(env.FUZZ_RUNS ?? 1_000_000), path: env.FUZZ_PATH,
      plugins: [fc.interruptAfterTimeLimit(SECONDS * 1000)] });
    // The run fast-check was waiting for when its time was up: finished before the next route starts.
    await inFlight.catch(() => {});
    s.ms = performance.now() - t0;
    s.failed = result.failed;
    if (result.failed) {
      const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      throw new Error(`${name}: ${fc.defaultReportMessage(result)}\nWhat failed:\n${why}\nreplay: FUZZ_ONLY='${name}' FUZZ_SEED=${result.seed} npm test -- tests/fuzz/auth.test.ts`);
    }
  });
}

const adminFields = () => ({
  email: email(), password, email_confirm: fc.boolean() as fc.Arbitrary<Json>, user_metadata: metadata, app_metadata: metadata,
  id: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', '20000000-0000-4000-8000-000000000001') }),
  role: fc.constantFrom('', '', 'authenticated', 'service_role', 'x'.repeat(300)), ban_duration: fc.constantFrom('', '', '', 'none', '1h', '-5m', '10x', '9999999h'),
  phone: fc.constantFrom('', '', '', '+15555550123', '12', 'abc'), password_hash: fc.constantFrom('', '', '', '$2a$10$' + 'a'.repeat(53), 'plain'),
});

route('signup', () => requestTo(['POST'], target('/signup'), { email: email(), password, data: metadata, phone: fc.constantFrom('', '', '', '+15555550100') }));
route('token password', () => requestTo(['POST'], fc.oneof(
  { weight: 6, arbitrary: target('/token', '?grant_type=password') },
  { weight: 1, arbitrary: hostileSegment.map((g) => ({ target: `/auth/v1/token?grant_type=${g}`, note: 'hostile grant' })) },
), { email: fc.oneof({ weight: 2, arbitrary: fc.constantFrom(world.users.a.email, world.users.b.email) }, { weight: 1, arbitrary: email() }),
  password: fc.oneof({ weight: 2, arbitrary: fc.constant(PASSWORD) }, { weight: 1, arbitrary: password }), phone: fc.constantFrom('', '', '', '15555550100') }));
route('token refresh', () => requestTo(['POST'], target('/token', '?grant_type=refresh_token'), {
  refresh_token: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('live', 'revoked').map((k) => world.tokens[k as 'live' | 'revoked']) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z2-7]{12}$/) }, { weight: 1, arbitrary: hostileString }),
}));
route('user GET', () => requestTo(['GET'], target('/user')));
route('user PUT', () => requestTo(['PUT'], target('/user'), { email: email(), password, data: metadata, app_metadata: metadata, phone: fc.constantFrom('', '+15555550100') }));
route('logout', () => requestTo(['POST'], fc.oneof(target('/logout', '?scope=local'), target('/logout', '?scope=others'),
  hostileSegment.map((s) => ({ target: `/auth/v1/logout?scope=${s}`, note: 'hostile scope' })))));
route('admin users list', () => requestTo(['GET'], fc.tuple(fc.oneof(fc.nat(5).map(String), hostileSegment), fc.oneof(fc.constantFrom('1', '2', '50', '0', '-1', '99999999999'), hostileSegment))
  .map(([p, n]) => ({ target: `/auth/v1/admin/users?page=${p}&per_page=${n}`, note: 'page' })), undefined, true));
route('admin users create', () => requestTo(['POST'], target('/admin/users'), adminFields(), true, 40));
route('admin user by id', () => requestTo(['GET', 'PUT', 'DELETE'], fc.oneof(
  fc.constantFrom(world.users.b.id, '00000000-0000-4000-8000-00000000dead', 'not-a-uuid').map((id) => ({ target: `/auth/v1/admin/users/${id}`, note: 'id' })),
  hostileSegment.map((s) => ({ target: `/auth/v1/admin/users/${s}`, note: 'hostile id' })),
), { ...adminFields(), should_soft_delete: fc.boolean() as fc.Arbitrary<Json> }, true));
route('invite', () => requestTo(['POST'], target('/invite'), { email: email(), data: metadata }, true));
route('other paths', () => requestTo(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'], fc.oneof(
  fc.constantFrom('/settings', '/health', '/.well-known/jwks.json', '/recover', '/otp', '/verify', '/admin/generate_link', '/factors', '/admin', '')
    .map((p) => ({ target: `/auth/v1${p}`, note: 'known or uncovered' })),
  hostileSegment.map((s) => ({ target: `/auth/v1/${s}`, note: 'hostile path' })),
  hostileString.map((s) => ({ target: `/auth/v1/${encodeSegment(s).slice(0, 200)}/x`, note: 'encoded path' })),
), { x: hostileValue }));

/**
 * Fuzz storage listing and signed URLs: list/ {prefix, limit, offset, sortBy, search}; sign/ for
 * one object {expiresIn} and in bulk {expiresIn, paths}; and fetching a signed URL with its token
 * (valid, for another key, expired, alg none, claims of the wrong type, hostile).
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { type FuzzContext, fuzzSuite } from '../helpers/fuzz.ts';
import { body } from '../helpers/fuzz-requests.ts';
import { storageRequest, storageRoute } from '../helpers/fuzz-storage.ts';
import { hostileNumber, hostileSegment, hostileString, hostileValue, objectBody, spoiled } from '../helpers/fuzz-values.ts';

const suite = fuzzSuite('storage-list-sign', { bucket: true });

suite.route(storageRoute('storage list POST', (ctx) => {
  const { owner } = ctx.world.users;
  return storageRequest(ctx, {
    methods: ['POST'], prefixes: ['list/'], path: 'none',
    body: body(objectBody({
      prefix: fc.oneof(fc.constantFrom(`${owner}/`, `${owner}/dir`, owner, ''), hostileString, spoiled(`${owner}/dir/`)),
      limit: fc.oneof(fc.integer({ min: 1, max: 200 }), hostileNumber),
      offset: fc.oneof(fc.nat(10), hostileNumber),
      sortBy: objectBody({ column: fc.constantFrom('name', 'updated_at', 'created_at', 'last_accessed_at'), order: fc.constantFrom('asc', 'desc', 'ASC') }),
      search: fc.oneof(fc.constantFrom('', 'a', 'dir'), hostileString),
    }), { oversize: 1024 * 1024 }),
  });
}));

const expiresIn = fc.oneof(fc.integer({ min: 1, max: 3600 }), hostileNumber);

suite.route(storageRoute('storage sign POST (one object)', (ctx) => storageRequest(ctx, {
  methods: ['POST'], prefixes: ['sign/'], path: 'object', body: body(objectBody({ expiresIn })),
})));

suite.route(storageRoute('storage sign POST (bulk)', (ctx) => storageRequest(ctx, {
  methods: ['POST'], prefixes: ['sign/'], path: 'none',
  body: body(objectBody({
    expiresIn,
    paths: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...ctx.world.objects), hostileString), { maxLength: 5 }), hostileValue,
      fc.constant(Array.from({ length: 1001 }, (_, i) => `p${i}`))),
  })),
})));

/** Tokens for GET sign/: made once the world exists (signing is async). */
const signTokens: { token: string; note: string }[] = [];
async function makeSignTokens(ctx: FuzzContext): Promise<void> {
  const key = new TextEncoder().encode(process.env.TEST_JWT_SECRET!);
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, exp = now + 3600) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(exp).sign(key);
  const [first, second] = ctx.world.objects;
  const url = (name: string) => `${ctx.world.bucket}/${name}`;
  const none = (claims: unknown) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  signTokens.push(
    ...await Promise.all(ctx.world.objects.map(async (o) => ({ token: await sign({ url: url(o) }), note: `valid for ${o.split('/').slice(1).join('/')}` }))),
    { token: await sign({ url: url(second) }), note: 'valid for another key' },
    { token: await sign({ url: url(first) }, now - 60), note: 'expired' },
    { token: none({ url: url(first), exp: now + 3600 }), note: 'alg none' },
    { token: await sign({ url: 42 }), note: 'url a number' },
    { token: await sign({ url: `${url(first)}\u0000` }), note: 'url with NUL' },
    { token: await sign({ url: [url(first)] }), note: 'url an array' },
    { token: await sign({ url: url(first) }).then((t) => t.slice(0, -2) + 'xx'), note: 'bad signature' },
    { token: ctx.creds['user:owner'], note: 'an access token' },
  );
}

function signedTarget(ctx: FuzzContext) {
  const token = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...signTokens).map((t) => `?token=${t.token}`) },
    { weight: 1, arbitrary: fc.oneof(hostileSegment, fc.constantFrom('', '%zz', '%00')).map((t) => `?token=${t}`) },
    { weight: 1, arbitrary: fc.constantFrom('', '?', `?token=${signTokens[0].token}&token=x`, `?token=${signTokens[0].token}&download=%ED%A0%80`) });
  return storageRequest(ctx, { methods: ['GET'], prefixes: ['sign/'], path: 'object', query: token });
}

suite.route(storageRoute('storage GET sign (signed URL)', signedTarget, { setup: makeSignTokens }));

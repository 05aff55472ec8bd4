/**
 * Fuzz storage reads: GET of an object (plain, authenticated/, public/), HEAD (no body, ever) and
 * info/, with hostile keys, ?download= names and Range headers, as every kind of caller.
 */
import fc from 'fast-check';
import { fuzzSuite } from '../helpers/fuzz.ts';
import { hostileSegment } from '../helpers/fuzz-values.ts';
import { storageRequest, storageRoute } from '../helpers/fuzz-storage.ts';

const suite = fuzzSuite('storage-read', { bucket: true });

const query = fc.oneof({ weight: 4, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.oneof(hostileSegment, fc.constantFrom('', '%zz', '%ED%A0%80', '..%2f..', '%00')).map((d) => `?download=${d}`) },
  { weight: 1, arbitrary: fc.constantFrom('?download', '?token=x', '?width=10&height=-1', '?%zz=1', '?download=a&download=b') });
const headers = fc.oneof({ weight: 4, arbitrary: fc.constant([] as [string, string][]) },
  { weight: 1, arbitrary: fc.constantFrom<[string, string][]>([['Range', 'bytes=0-2']], [['Range', 'bytes=99999999999999999999-']], [['If-None-Match', '*']], [['Range', 'bytes=\u00e9']]) });

for (const [name, prefix] of [['GET object', ''], ['GET object/authenticated', 'authenticated/'], ['GET object/public', 'public/']]) {
  suite.route(storageRoute(`storage ${name}`, (ctx) => storageRequest(ctx, { methods: ['GET'], prefixes: [prefix], path: 'object', query, headers })));
}
suite.route(storageRoute('storage HEAD object', (ctx) => storageRequest(ctx, { methods: ['HEAD'], prefixes: ['', 'authenticated/', 'public/'], path: 'object', query, headers })));
suite.route(storageRoute('storage GET object/info', (ctx) => storageRequest(ctx, { methods: ['GET'], prefixes: ['info/', 'info/authenticated/', 'info/public/'], path: 'object', query })));

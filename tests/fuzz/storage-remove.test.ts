/**
 * Fuzz storage removal: DELETE of one object and the bulk form {prefixes: [...]}; fixtures a
 * request did remove are uploaded again before the next run.
 */
import fc from 'fast-check';
import { fuzzSuite } from '../helpers/fuzz.ts';
import { body } from '../helpers/fuzz-requests.ts';
import { storageRequest, storageRoute } from '../helpers/fuzz-storage.ts';
import { hostileString, hostileValue, objectBody } from '../helpers/fuzz-values.ts';

const suite = fuzzSuite('storage-remove', { bucket: true });

suite.route(storageRoute('storage remove DELETE (one object)', (ctx) => storageRequest(ctx, {
  methods: ['DELETE'], prefixes: [''], path: 'object',
})));

suite.route(storageRoute('storage remove DELETE (bulk)', (ctx) => storageRequest(ctx, {
  methods: ['DELETE'], prefixes: [''], path: 'none',
  body: body(objectBody({
    prefixes: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...ctx.world.objects), hostileString), { maxLength: 5 }), hostileValue,
      fc.constant(Array.from({ length: 1001 }, (_, i) => `p${i}`))),
  })),
})));

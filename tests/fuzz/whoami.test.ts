/**
 * Fuzz whoami (GET and POST): forged and valid credentials, odd methods, hostile targets, bodies it
 * should ignore. See tests/helpers/fuzz.ts for the properties asserted.
 */
import fc from 'fast-check';
import { fuzzSuite } from '../helpers/fuzz.ts';
import { body, functionRequest } from '../helpers/fuzz-requests.ts';
import { hostileValue, objectBody } from '../helpers/fuzz-values.ts';

const suite = fuzzSuite('whoami');
const none = fc.constant({ bytes: new Uint8Array(), note: 'no body' });

suite.route({
  name: 'whoami GET',
  family: 'functions',
  request: (ctx) => functionRequest(ctx, 'whoami', '', ['GET'], fc.oneof({ weight: 6, arbitrary: none }, { weight: 1, arbitrary: body(hostileValue) })),
});

suite.route({
  name: 'whoami POST',
  family: 'functions',
  request: (ctx) => functionRequest(ctx, 'whoami', '', ['POST'], fc.oneof(
    { weight: 1, arbitrary: none },
    { weight: 4, arbitrary: body(objectBody({ role: fc.constantFrom('service_role', 'anon'), user_id: fc.uuid() }), { oversize: 64 * 1024 }) },
  )),
});

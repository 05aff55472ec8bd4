/**
 * Fuzz submit-feedback: POST {message_id, rating, comment?} and DELETE {message_id}, with messages
 * of the fuzz tenant (reachable), of another tenant and unknown ids, and hostile everything.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type FuzzContext, fuzzSuite } from '../helpers/fuzz.ts';
import { body, functionRequest } from '../helpers/fuzz-requests.ts';
import { hostileString, objectBody, spoiled } from '../helpers/fuzz-values.ts';

const suite = fuzzSuite('submit-feedback');

function messageId(ctx: FuzzContext) {
  const ids = [...ctx.world.messages.owner, ctx.world.messages.outsider, randomUUID()];
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.constantFrom(...ids).chain(spoiled) });
}

suite.route({
  name: 'submit-feedback POST',
  family: 'functions',
  request: (ctx) => functionRequest(ctx, 'submit-feedback', '', ['POST'], body(objectBody({
    message_id: messageId(ctx),
    rating: fc.constantFrom(-1, 1, null),
    comment: fc.oneof(hostileString, fc.constant(null), fc.string({ maxLength: 2000 })),
  }), { oversize: 64 * 1024 })),
});

suite.route({
  name: 'submit-feedback DELETE',
  family: 'functions',
  request: (ctx) => functionRequest(ctx, 'submit-feedback', '', ['DELETE'], body(objectBody({ message_id: messageId(ctx) }), { oversize: 64 * 1024 })),
});

/**
 * Fuzz refresh-views: {job?, include_today?, trigger?} as every kind of caller. Valid jobs are
 * rare on purpose (a run refreshes, computes metrics for every tenant, vacuums or monitors); the runs it
 * does start are tagged and removed afterwards.
 */
import fc from 'fast-check';
import { fuzzSuite } from '../helpers/fuzz.ts';
import { body, functionRequest } from '../helpers/fuzz-requests.ts';
import { hostileString, objectBody } from '../helpers/fuzz-values.ts';

const suite = fuzzSuite('refresh-views');

suite.route({
  name: 'refresh-views POST',
  family: 'functions',
  platformJobs: true,
  request: (ctx) => functionRequest(ctx, 'refresh-views', '', ['POST'], body(objectBody({
    job: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('refresh', 'daily', 'monitor') }, { weight: 1, arbitrary: fc.constantFrom('maintenance', 'all') },
      { weight: 2, arbitrary: fc.constantFrom('REFRESH', 'refresh ', 'vacuum', 'refresh\u0000', 'Monitor', 'monitor\u0000') }),
    include_today: fc.boolean(),
    trigger: fc.oneof(fc.constant(ctx.world.tag), hostileString.map((s) => `${ctx.world.tag}${s}`)),
  }, { validWeight: 3 }), { oversize: 64 * 1024 })),
  onSuccess: async (_req, res, ctx) => {
    let runId: unknown;
    try { runId = JSON.parse(res.body.toString('utf8')).run_id; } catch { /* an OPTIONS answer */ }
    if (typeof runId === 'string') ctx.world.jobRunIds.push(runId);
  },
});

/**
 * The Data API stand-in's statements, as a property (fast-check) with no HTTP and no database per
 * run: generated PostgREST requests (the endpoint fuzz test's query strings, bodies, Prefer /
 * Accept / profile / Range headers, every method, on tables, views and RPCs, and requests built
 * from the schema cache that reach the builders with hostile values) go through the
 * gateway's own request reading and statement builders against the schema cache of the test
 * database (loaded once), with a transaction that records statements (tests/helpers/rest-sql.ts).
 * Properties: every request ends in statements or a PostgREST error (anything else would be a
 * 500); every statement is in the parameterised form (quoted names from the cache or the select's
 * output keys, $n placeholders, the builders' own SQL); no value of the request is in its text.
 * FUZZ_RUNS sets the number of requests (default: as many as fit in FUZZ_SECONDS, 2 s); FUZZ_SEED.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { loadSchemaCache, type SchemaCache } from '../../scripts/local/gateway/rest/schema.ts';
import { connect, superuserUrl } from '../helpers/db.ts';
import { printTable, type RouteStats } from '../helpers/fuzz-report.ts';
import { sqlRequest } from '../helpers/rest-sql-gen.ts';
import { cacheNames, catalogTexts, formProblems, leakedValue, outputKeys, requestValues, statementsOf } from '../helpers/rest-sql.ts';

let cache: SchemaCache;
let names: Set<string>;
let catalog: ReturnType<typeof catalogTexts>;
before(async () => {
  cache = await loadSchemaCache(connect(superuserUrl()), ['public', 'graphql_public']);
  names = cacheNames(cache);
  catalog = catalogTexts(cache);
});

const env = process.env;
const runs = env.FUZZ_RUNS ? Number(env.FUZZ_RUNS) : undefined;
const seconds = Number(env.FUZZ_SECONDS ?? (runs ? 3600 : 2));
/** For npm run test:fuzz: statuses are the requests that reached statements (answered) and those refused with a PostgREST error. */
const stats: RouteStats = { route: 'rest statements', runs: 0, requests: 0, statuses: {}, ms: 0, seed: 0, failed: false, unconfirmed: {} };
after(() => {
  if (!stats.runs) return;
  printTable('rest-sql', [stats]);
  if (env.FUZZ_STATS_FILE) fs.appendFileSync(env.FUZZ_STATS_FILE, `${JSON.stringify({ file: 'rest-sql', lane: env.TEST_PG_MAJOR ?? '', ...stats })}\n`);
});

it('rest statements: PostgREST errors or parameterised statements only, no request value in SQL text', { timeout: 3600_000 }, async () => {
  const tally = { requests: 0, answered: 0, refused: 0, statements: 0 };
  const property = fc.asyncProperty(sqlRequest(cache), async (r) => {
    tally.requests++;
    const query = [...new URLSearchParams(r.query)].map(([k, v]) => `${k}=${v}`).join('&');
    const label = `${r.method} ${r.path}?${query} (decoded) ${JSON.stringify(Object.fromEntries(r.headers))} body ${r.body.slice(0, 200)}`;
    const out = await statementsOf(cache, r);
    if (out.error) tally.refused++; else tally.answered++;
    tally.statements += out.statements.length;
    assert.ok(!out.error || out.error.status < 500 || out.error.code === 'PGRST002', `${label} -> ${out.error?.status} ${out.error?.code}`);
    const keys = outputKeys(out.select);
    const values = requestValues(r.query, r.body);
    for (const st of out.statements) {
      const problems = formProblems(st, names, keys, catalog);
      assert.deepEqual(problems, [], `${label}\n${st.sql}`);
      const leaked = leakedValue(st, values, catalog);
      assert.equal(leaked, undefined, `a request value in SQL text: ${JSON.stringify(leaked)}\n${label}\n${st.sql}`);
    }
  });
  const seed = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
  const t0 = performance.now();
  const result = await fc.check(property, { seed, numRuns: runs ?? 1_000_000, plugins: [fc.interruptAfterTimeLimit(seconds * 1000)], endOnFailure: true });
  Object.assign(stats, { runs: tally.requests, requests: tally.requests, statuses: { answered: tally.answered, refused: tally.refused }, ms: performance.now() - t0, seed, failed: result.failed });
  if (result.failed && !(result.interrupted && result.counterexample === null)) {
    assert.fail(`${String((result.errorInstance as Error)?.message ?? result.errorInstance).slice(0, 3000)} (seed ${seed}, path ${result.counterexamplePath})`);
  }
  console.log(`rest statements: ${JSON.stringify(tally)} (seed ${seed})`);
  // Not vacuous: a good share of the generated requests reach the statement builders.
  assert.ok(tally.answered >= tally.requests / 8, JSON.stringify(tally));
  if (runs) assert.equal(tally.requests, runs);
});

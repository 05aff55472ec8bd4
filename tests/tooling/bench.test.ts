/** `npm run bench` keeps working (a small run) and refuses bad arguments. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';

const bench = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/bench.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });

describe('npm run bench', () => {
  it('measures both RPCs against their ceiling, the queries and jobs at a scale, the gateway, the Data API, and writes JSON', () => {
    const run = bench('--scales', '2000', '--runs', '1', '--seconds', '0.2', '--calls', '60');
    assert.equal(run.status, 0, run.stderr);
    const file = /wrote (bench\/results\/\S+\.json)/.exec(run.stdout)?.[1];
    assert.ok(file, run.stdout);
    const result = JSON.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'));
    fs.rmSync(path.join(repoRoot, file));
    assert.deepEqual(result.scales.scales.map((r: { messages: number }) => r.messages), [2014]);
    assert.ok(result.scales.scales[0].refresh_ms > 0 && result.scales.scales[0].rag_metrics_platform_ms > 0);
    assert.equal(result.scales.queries.length, 6);
    assert.ok(result.scales.queries.every((q: { user_p50_ms: number; rls_overhead: number }) => q.user_p50_ms > 0 && q.rls_overhead > 0));
    assert.deepEqual(result.usage_rpc.throughput.map((r: { connections: number }) => r.connections), [1, 8, 32]);
    assert.equal(result.machine.cores > 0, true);
    assert.deepEqual(result.shield_rpc.throughput.map((r: { connections: number }) => r.connections), [1, 8, 32]);
    for (const row of result.shield_rpc.throughput) assert.ok(row.rpc_per_s > 0 && row.plain_per_s > 0 && row.ratio > 0);
    assert.ok(result.shield_rpc.latency_ms.p50 > 0 && result.shield_rpc.latency_ms.p95 >= result.shield_rpc.latency_ms.p50);
    assert.equal(result.shield_rpc.naive.attempted, result.shield_rpc.naive.counted + result.shield_rpc.naive.lost);
    assert.deepEqual(result.gateway_latency.map((r: { calls: number }) => r.calls), [60, 60, 60, 60, 60, 12, 12]);
    for (const row of result.gateway_latency) assert.ok(row.p50_ms > 0, row.target);
    assert.equal(result.parse_corpus.matching_expectation, result.parse_corpus.cases, 'the parser agrees with its corpus');
    // The rest section, on the scale the scales section loaded: the read both ways, inserts at 8 clients, the fixed costs.
    const rest = result.rest_latency;
    assert.match(rest.statement.sql, /from "public"\."conversations" t0 left join lateral/);
    assert.deepEqual(rest.reads.map((r: { scale: string; rows: number; calls: number }) => [r.scale, r.rows, r.calls]), [['2000', 20, 60]]);
    for (const key of ['gateway_p50_ms', 'direct_p50_ms', 'direct_tx_p50_ms', 'ratio', 'embedded']) assert.ok(rest.reads[0][key] > 0, key);
    assert.ok(rest.reads[0].gateway_p95_ms >= rest.reads[0].gateway_p50_ms);
    assert.deepEqual(rest.inserts.map((r: { clients: number }) => r.clients), [8]);
    assert.ok(rest.inserts[0].gateway_rows_per_s > 0 && rest.inserts[0].direct_rows_per_s > 0);
    assert.equal(rest.overhead.length, 5);
    for (const row of rest.overhead) assert.ok(row.p50_ms > 0 && row.calls === 60, row.target);
  });

  it('refuses a bad argument with one line and changes nothing', () => {
    const run = bench('--runs=-5');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /bench: --runs must be a positive whole number, got "-5"/);
    assert.doesNotMatch(run.stderr, /^\s+at /m);
    const only = bench('--only', 'everything');
    assert.equal(only.status, 1);
    assert.match(only.stderr, /bench: --only must be one of shield, usage, scales, gateway, rest, got "everything"/);
    const unknown = bench('--rows', '5');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /bench: Unknown option '--rows'/);
    assert.match(unknown.stderr, /hint: usage: npm run bench/);
  });
});

/**
 * `npm run bench [-- --messages N --runs N]`: benchmarks on a throwaway embedded database
 * (bootstrapped, migrated, seeded). Prints a table and writes JSON to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { benchSummaryRefresh } from './bench/summary-refresh.ts';
import { parseCli, positiveInt } from './lib/cli.ts';
import { reportFatal } from './lib/stack-error.ts';
import { repoRoot } from './stack/config.ts';
import { startThrowawayDatabase } from './stack/database.ts';

try {
  const values = parseCli({ messages: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } },
    'npm run bench -- [--messages N] [--runs N]');
  const messages = positiveInt('messages', values.messages!);
  const runs = positiveInt('runs', values.runs!);
  // Durable settings (fsync on), as a real server runs.
  const db = await startThrowawayDatabase({ seed: true, durable: true });
  const sql = postgres(db.postgresUrl, { max: 1, onnotice: () => {} });
  try {
    const [server] = await sql`select version() as version, current_setting('shared_buffers') as shared_buffers, current_setting('work_mem') as work_mem, current_setting('fsync') as fsync`;
    const refresh = await benchSummaryRefresh(sql, { messages, runs });
    console.log('\nsummary refresh (private.refresh_summaries, both views, CONCURRENTLY)');
    console.table(refresh.map((r) => ({ scale: r.scale, messages: r.messages, feedback: r.feedback, 'usage rows': r.usage_rows, 'median ms': r.refresh_median_ms, 'min ms': r.refresh_min_ms, 'max ms': r.refresh_max_ms, runs: r.runs })));
    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch { /* not a checkout */ }
    const machine = { cores: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30), cpu: os.cpus()[0]?.model };
    const out = { at: new Date().toISOString(), commit, machine, postgres: server, summary_refresh: refresh };
    console.log(`\nmachine: ${machine.cores} cores, ${machine.memory_gib} GiB; ${server.version.split(',')[0]}; shared_buffers ${server.shared_buffers}, work_mem ${server.work_mem}, fsync ${server.fsync}; commit ${commit}`);
    const file = path.join(repoRoot, 'bench', 'results', `bench-${out.at.replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${path.relative(repoRoot, file)}`);
  } finally {
    await sql.end();
    await db.stop();
  }
} catch (err) {
  reportFatal(err, 'bench');
  process.exit(1);
}

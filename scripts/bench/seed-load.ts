/**
 * `npm run seed:load -- [--scale small|medium|large|<messages>] [--db-url <url>] [--replace]`:
 * realistic synthetic data (faker, fixed seed: the same data every run) bulk-loaded with COPY
 * (seed/load.ts). small = 10k messages, medium = 100k, large = 1M messages and 1M dialogue-log
 * rows. Uses --db-url, else DATABASE_URL, else the local stack. Prints the rows per table and a
 * last line `loaded N rows (scale S) in T s, R rows/s`.
 */
import { parseCli, runCli, targetDatabaseUrl } from '../lib/cli.ts';
import { StackError } from '../lib/stack-error.ts';
import { scaleFor } from './seed/generate.ts';
import { loadSeed } from './seed/load.ts';

const USAGE = 'npm run seed:load -- [--scale small|medium|large|<messages>] [--db-url <url>] [--replace]';
const count = (n: number) => Math.round(n).toLocaleString('en-US');

await runCli('seed:load', async () => {
  const values = parseCli({ scale: { type: 'string', default: 'small' }, 'db-url': { type: 'string' }, replace: { type: 'boolean', default: false } }, USAGE);
  try {
    scaleFor(values.scale!);
  } catch (err) {
    throw new StackError((err as Error).message, `usage: ${USAGE}`);
  }
  const url = values['db-url'] ?? (await targetDatabaseUrl());
  const result = await loadSeed(url, values.scale!, { replace: values.replace });
  console.log(Object.entries(result.rows).map(([t, n]) => `${t}: ${count(n)}`).join('\n'));
  console.log(`loaded ${count(result.total)} rows (scale ${result.scale}) in ${result.seconds.toFixed(1)} s, ${count(result.rowsPerSecond)} rows/s`);
  return 0;
});

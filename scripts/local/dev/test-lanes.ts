/**
 * Which PostgreSQL lanes `npm test` runs: the embedded 17 and the machine's 15 by default,
 * one of them with `--pg 15|17` (or PG_MAJOR=15|17). A lane that cannot run is one line: a note
 * when the developer did not ask for it (the other lane still runs), a failure when they did or
 * in CI (CI=true), where the 15 lane and its pg_cron must not be skipped silently.
 */
import { StackError } from '../../lib/stack-error.ts';
import { PG_MAJORS, system15, type PgMajor, type ServerBinaries } from '../stack/pg-binaries.ts';

export interface LanePlan {
  /** Test paths (the arguments that are not options). */
  paths: string[];
  lanes: PgMajor[];
  /** One line each: a lane or part of one that does not run, and how to get it. */
  notes: string[];
  /** One line each, counted as a failed test. */
  failures: string[];
}

function parseMajor(raw: string, from: string): PgMajor[] {
  if (raw === 'all' || raw === 'both') return [...PG_MAJORS];
  const n = Number(raw);
  if ((PG_MAJORS as readonly number[]).includes(n)) return [n as PgMajor];
  throw new StackError(`${from} must be 15, 17 or all, got "${raw}"`, 'npm test -- --pg 15 runs the PostgreSQL 15 lane only; without --pg both lanes run');
}

export function planLanes(argv: string[], env: NodeJS.ProcessEnv, find15: () => ServerBinaries = () => system15(env)): LanePlan {
  const paths: string[] = [];
  let requested: PgMajor[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--pg') {
      if (argv[i + 1] === undefined) throw new StackError('--pg needs a value: 15, 17 or all');
      requested = parseMajor(argv[++i], '--pg');
    } else if (arg.startsWith('--pg=')) requested = parseMajor(arg.slice(5), '--pg');
    else paths.push(arg);
  }
  if (!requested && env.PG_MAJOR) requested = parseMajor(env.PG_MAJOR, 'PG_MAJOR');
  const explicit15 = requested?.length === 1 && requested[0] === 15;
  const lanes = requested ?? [...PG_MAJORS];
  const plan: LanePlan = { paths, lanes: [], notes: [], failures: [] };
  const ci = !!env.CI && env.CI !== 'false' && env.CI !== '0';
  for (const major of lanes) {
    if (major === 17) {
      plan.lanes.push(17);
      continue;
    }
    let bins: ServerBinaries;
    try {
      bins = find15();
    } catch (err) {
      if (!(err instanceof StackError)) throw err;
      const line = `PostgreSQL 15 lane not run: ${err.message}; ${err.hint}`;
      if (explicit15 || ci) plan.failures.push(ci && !explicit15 ? `${line} (CI runs both lanes)` : line);
      else plan.notes.push(`${line}; the PostgreSQL 17 lane still runs`);
      continue;
    }
    plan.lanes.push(15);
    if (!bins.pgCron) {
      const line = `pg_cron is not installed for PostgreSQL ${bins.version} (${bins.bindir}): the pg_cron tests of the 15 lane are skipped; install it with apt-get install postgresql-15-cron`;
      if (ci) plan.failures.push(`${line} (CI runs them)`);
      else plan.notes.push(line);
    }
  }
  return plan;
}

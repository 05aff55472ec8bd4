/**
 * Shared plumbing of the command-line scripts: argument parsing that fails with one line and a
 * usage hint, the database URL (DATABASE_URL, else the local stack), and a runner that turns
 * errors into one line and an exit code.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { reportFatal, StackError } from './stack-error.ts';
import { loadStackConfig, postgresUrl } from './stack-config.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCli<O extends Options>(options: O, usage: string, args = process.argv.slice(2)) {
  try {
    return parseArgs({ options, args, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new StackError((err as Error).message.split('\n')[0], `usage: ${usage}`);
  }
}

export function positiveInt(name: string, raw: string | undefined, fallback?: number): number {
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1) {
    throw new StackError(`--${name} must be a positive whole number, got "${raw ?? ''}"`);
  }
  return n;
}

export function nonNegativeInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(n) || n < 0) {
    throw new StackError(`--${name} must be a whole number of 0 or more, got "${raw ?? ''}"`);
  }
  return n;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidArg(name: string, raw: string): string {
  if (!UUID.test(raw)) throw new StackError(`--${name} must be a uuid, got "${raw}"`);
  return raw;
}

/** DATABASE_URL, or the local stack's database (`npm start`). */
export async function targetDatabaseUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const c = await loadStackConfig();
  return postgresUrl({ user: 'postgres', password: c.dbPassword, host: c.dbHost, port: c.dbPort });
}

/** Run a script's main; its number is the exit code; errors become one line (plus a hint). */
export async function runCli(name: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ECONNREFUSED') {
      reportFatal(new StackError(`cannot reach the database (${e.message})`, 'start the local stack with npm start, or set DATABASE_URL'), name);
    } else if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !(err instanceof StackError)) {
      reportFatal(new StackError(`${e.message} (SQLSTATE ${e.code})`), name);
    } else {
      reportFatal(err, name);
    }
    process.exitCode = 1;
  }
}

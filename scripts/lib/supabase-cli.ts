/**
 * The real Supabase CLI (npm package `supabase`), run against a database URL.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { StackError } from './stack-error.ts';
import { repoRoot } from './stack-config.ts';

const cliBin = path.join(repoRoot, 'node_modules', '.bin', 'supabase');

export interface CliResult { code: number; stdout: string; stderr: string }

/** Run `supabase <args>` in the repo; never prompts, no telemetry. */
export async function runSupabaseCli(args: string[], opts: { allowFailure?: boolean } = {}): Promise<CliResult> {
  const result = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn(cliBin, [...args, '--workdir', repoRoot], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT'
        ? new StackError('the Supabase CLI is missing (node_modules/.bin/supabase)', 'run npm install')
        : err);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
  if (result.code !== 0 && !opts.allowFailure) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-6).join('\n  ');
    throw new StackError(`supabase ${args[0]} ${args[1] ?? ''} failed:\n  ${detail}`);
  }
  return result;
}

/** The CLI wants TLS off spelled out for a local URL, or it prints a TLS notice into its output. */
export function cliUrl(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'disable');
  return u.toString();
}

export async function dbPush(postgresUrl: string, opts: { includeSeed?: boolean } = {}): Promise<string> {
  const args = ['db', 'push', `--remote=${cliUrl(postgresUrl)}`, '--yes', '--skip-vault'];
  if (opts.includeSeed) args.push('--include-seed');
  const { stdout, stderr } = await runSupabaseCli(args);
  return `${stdout}${stderr}`;
}

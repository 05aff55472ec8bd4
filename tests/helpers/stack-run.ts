/**
 * `npm start` as a child process for the stack tests: its own state folder, its output captured,
 * waits bounded in time, and the processes it leaves behind. Call `after(cleanUpStacks)` in each
 * file that starts stacks.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../scripts/lib/stack-config.ts';

const children = new Set<ChildProcess>();
const stateDirs: string[] = [];

/** Kill what is still running and wipe the state folders (stack:reset stops orphaned servers). */
export function cleanUpStacks(): void {
  for (const c of children) c.kill('SIGKILL');
  for (const d of stateDirs) {
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/local/stack-reset.ts'], { cwd: repoRoot, env: { ...process.env, STACK_STATE_DIR: d } });
    fs.rmSync(d, { recursive: true, force: true });
  }
}

export function newStateDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-stack-'));
  fs.chmodSync(d, 0o755);
  stateDirs.push(d);
  return d;
}

export interface Running { child: ChildProcess; output: () => string; exited: Promise<number | null> }

export function startStack(env: Record<string, string>, as?: { uid: number; gid: number }): Running {
  const baseEnv = { ...process.env };
  delete baseEnv.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local/start.ts'], { cwd: repoRoot, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...as });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { children.delete(child); resolve(code); }));
  return { child, output: () => out, exited };
}

/** Wait until the output (from character `from` on) matches; returns the match. */
export async function waitFor(run: Running, pattern: RegExp, timeoutMs = 90_000, from = 0): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const match = pattern.exec(run.output().slice(from));
    if (match) return match;
    if (run.child.exitCode !== null) throw new Error(`stack exited (${run.child.exitCode}) before ${pattern}:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The stack's exit code, or an error once timeoutMs has passed. */
export async function exitWithin(run: Running, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the stack did not exit within ${timeoutMs} ms:\n${run.output()}`)), timeoutMs);
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function liveCmdlines(): { pid: number; cmd: string }[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).flatMap((pid) => {
    try {
      if (!/^\d+ \(.*\) [^Z]/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) return [];
      return [{ pid, cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') }];
    } catch {
      return [];
    }
  });
}

/** Live postmasters of a data folder (their command line names it). */
export function serverProcessesFor(dataDir: string): number[] {
  return liveCmdlines().filter((p) => p.cmd.includes(dataDir)).map((p) => p.pid);
}

/** Live processes naming the state folder on their command line: postmaster (-D) and gateway (--allow-write). */
export function processesNaming(stateDir: string): { pid: number; cmd: string }[] {
  return liveCmdlines().filter((p) => p.cmd.includes(stateDir)).map((p) => ({ pid: p.pid, cmd: p.cmd.replaceAll('\0', ' ') }));
}

/** Poll check until it returns a value other than undefined; an error once timeoutMs has passed. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

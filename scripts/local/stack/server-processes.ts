/**
 * Server processes: signalling and waiting for them, a server binary that cannot be run as one
 * line, and the processes of one PostgreSQL data folder, found through /proc (Linux): every server process
 * runs with the data folder as its working directory. PostgreSQL puts each child in a session of
 * its own, so when the postmaster dies (kill -9, a crash) its backends cannot be found by process
 * group; they keep the old shared memory attached, and a new server refuses to start until they
 * are gone.
 */
import fs from 'node:fs';
import { StackError } from '../../lib/stack-error.ts';
import type { OsIdentity } from './os-user.ts';

/** Pids of the live (not zombie) postgres processes working in dataDir. */
export function serverProcessesIn(dataDir: string): number[] {
  let dir: string;
  try {
    dir = fs.realpathSync(dataDir);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (comm === 'postgres' && state !== 'Z' && fs.readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch { /* gone meanwhile, or not ours to inspect */ }
  }
  return pids;
}

/** SIGKILL the postgres processes left in dataDir and wait (bounded) until they are gone. True when they are. */
export async function killServerProcessesIn(dataDir: string, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let pids = serverProcessesIn(dataDir); pids.length; pids = serverProcessesIn(dataDir)) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* gone meanwhile */ }
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a process, NULs as spaces ('' when it is gone). */
export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Send signal and wait (bounded) until the process is gone. True when it is. */
export async function signalAndWait(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid) || isZombie(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

export function lastLines(text: string, n: number): string {
  return text.trim().split('\n').filter(Boolean).slice(-n).join(' | ') || '(no output)';
}

/** A server binary that cannot be run (EACCES, ENOENT) as one line with what to do. */
export function spawnError(cmd: string, err: NodeJS.ErrnoException, identity: OsIdentity | undefined): StackError {
  const who = identity ? 'the "postgres" OS user' : 'this user';
  return new StackError(`cannot run ${cmd} as ${who} (${err.code ?? err.message})`,
    err.code === 'EACCES' ? `every folder above it must be enterable by ${who}; set STACK_SHARED_DIR to a folder it can reach` : 'run npm install, or check PG_MAJOR / PG15_BINDIR');
}

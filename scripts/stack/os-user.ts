/**
 * PostgreSQL refuses to run as root. When the stack runs as root, the server runs as
 * the `postgres` OS user, created here when it does not exist.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from '../lib/stack-error.ts';

export interface OsIdentity { uid: number; gid: number }

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function lookup(kind: '-u' | '-g', name: string): number | undefined {
  try {
    return Number(execFileSync('id', [kind, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

function groupExists(name: string): boolean {
  try {
    execFileSync('getent', ['group', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The identity the server must run as: undefined when not root (run as ourselves). */
export function serverIdentity(): OsIdentity | undefined {
  if (!isRoot()) return undefined;
  if (lookup('-u', 'postgres') === undefined) {
    const groupArgs = groupExists('postgres') ? ['-g', 'postgres'] : ['--user-group'];
    try {
      execFileSync('useradd', ['--system', ...groupArgs, '--home-dir', '/nonexistent', '--no-create-home',
        '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new StackError(`could not create the "postgres" OS user to run the server as (${(err as Error).message.split('\n')[0]})`,
        'create it yourself (useradd --system postgres) or run the stack as an ordinary user');
    }
  }
  const uid = lookup('-u', 'postgres');
  const gid = lookup('-g', 'postgres');
  if (uid === undefined || gid === undefined) throw new StackError('the "postgres" OS user has no uid/gid');
  return { uid, gid };
}

/** As root: every ancestor of dir must be searchable by others, or the server cannot reach its data. */
export function assertTraversable(dir: string): void {
  if (!isRoot()) return;
  let current = path.dirname(path.resolve(dir));
  while (true) {
    const st = fs.statSync(current);
    if ((st.mode & 0o001) === 0) {
      throw new StackError(`the server runs as the "postgres" OS user, which cannot enter ${current}`,
        `chmod o+x ${current}, or set STACK_STATE_DIR to a folder it can reach`);
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

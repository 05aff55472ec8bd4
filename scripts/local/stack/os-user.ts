/**
 * PostgreSQL refuses to run as root. When the stack runs as root, the server runs as
 * the `postgres` OS user, created here when it does not exist.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from '../../lib/stack-error.ts';

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

/**
 * Whether the server's OS user can enter dir (every folder from / down to dir searchable by it):
 * owner, group or other execute bit, whichever applies to that user. Not root: always (we are the server).
 */
export function serverCanReach(dir: string, identity: OsIdentity | undefined): boolean {
  if (!identity) return true;
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const st = fs.statSync(current, { throwIfNoEntry: false }); // not created yet: its parents decide
    if (st) {
      const bit = st.uid === identity.uid ? 0o100 : st.gid === identity.gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) return false;
    }
    if (path.dirname(current) === current) return true;
  }
}

/** The nearest folder at or above dir that the server's OS user cannot enter (for messages). */
export function firstUnreachable(dir: string, identity: OsIdentity): string | undefined {
  const chain: string[] = [];
  for (let c = path.resolve(dir); ; c = path.dirname(c)) {
    chain.unshift(c);
    if (path.dirname(c) === c) break;
  }
  return chain.find((c) => !serverCanReach(c, identity));
}

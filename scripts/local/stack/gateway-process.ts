/**
 * The gateway service of the local stack: scripts/local/gateway/main.ts in real Deno, serving
 * /functions/v1 and /storage/v1 on the API port. Started after the database, stopped before it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from '../../lib/stack-error.ts';
import { denoBin, repoRoot, supabaseDir } from '../../lib/stack-config.ts';
import type { GatewaySettings } from '../gateway/settings.ts';
import { assertPortFree } from './ports.ts';
import { PidFile } from './stack-lock.ts';

/** The settings the gateway reads back from its environment (one type for this side and the gateway's), plus the launcher's own. */
export interface GatewayOptions extends GatewaySettings {
  logFile?: string;
  /** Extra function folders after supabase/functions (test fixtures). */
  extraFunctionDirs?: string[];
  /** config.toml to read verify_jwt from (default supabase/config.toml). */
  configToml?: string;
  /** Functions' secrets file (default supabase/functions/.env). */
  envFile?: string;
  /** Records the gateway's pid, so a gateway orphaned by a killed stack is stopped on the next start. */
  pidFile?: string;
  /** Run private.job_schedules in the gateway (the local Supabase Cron). Default true. */
  schedules?: boolean;
  /** Added to the gateway process's environment last (overriding everything above). */
  extraEnv?: Record<string, string>;
}

/** The database URL with another user (every service login has the database password, as with the CLI). */
function withUser(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  return u.toString();
}

export class Gateway {
  private child?: ChildProcess;
  private exitListeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];

  constructor(readonly opts: GatewayOptions) {}

  get url(): string {
    return `http://${this.opts.host}:${this.opts.port}`;
  }

  /** The running gateway process's pid (undefined before start and once it has exited). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitListeners.push(listener);
  }

  /** Stop a gateway left running by a stack that was killed (SIGKILL). */
  private async recoverStale(): Promise<void> {
    if (!this.opts.pidFile) return;
    const stale = new PidFile(this.opts.pidFile).live();
    if (stale) {
      console.error(`found an API gateway left running (pid ${stale.pid}) by a stack that did not stop cleanly; stopping it`);
      process.kill(stale.pid, 'SIGTERM');
      for (let i = 0; i < 100 && new PidFile(this.opts.pidFile).live(); i++) await new Promise((r) => setTimeout(r, 50));
      if (new PidFile(this.opts.pidFile).live()) process.kill(stale.pid, 'SIGKILL');
    }
    new PidFile(this.opts.pidFile).remove();
  }

  async start(): Promise<void> {
    await this.recoverStale();
    await assertPortFree(this.opts.host, this.opts.port, 'API gateway', 'API_PORT');
    fs.mkdirSync(this.opts.storageRoot, { recursive: true });
    const out = this.opts.logFile ? fs.openSync(this.opts.logFile, 'a') : 'inherit';
    // Deno's module cache: the invoking user's, so npm packages fetched once are reused.
    const denoDir = process.env.DENO_DIR ?? path.join(process.env.HOME ?? '/tmp', '.cache', 'deno');
    const child = spawn(denoBin, [
      'run', '--allow-net', '--allow-env', '--allow-read', `--allow-write=${this.opts.storageRoot}`, '--allow-sys',
      '--frozen', '--config', path.join(supabaseDir, 'functions', 'deno.json'),
      path.join(repoRoot, 'scripts', 'local', 'gateway', 'main.ts'),
    ], {
      cwd: repoRoot,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        NO_COLOR: '1',
        DENO_DIR: denoDir,
        GATEWAY_HOST: this.opts.host,
        GATEWAY_PORT: String(this.opts.port),
        SUPABASE_URL: this.opts.apiUrl,
        JWT_SECRET: this.opts.jwtSecret,
        SUPABASE_ANON_KEY: this.opts.anonKey,
        SUPABASE_SERVICE_ROLE_KEY: this.opts.serviceRoleKey,
        SUPABASE_DB_URL: this.opts.dbUrl,
        STORAGE_DB_URL: this.opts.storageDbUrl,
        REST_DB_URL: this.opts.restDbUrl ?? withUser(this.opts.storageDbUrl, 'authenticator'),
        STORAGE_ROOT: this.opts.storageRoot,
        FUNCTIONS_DIR: [path.join(supabaseDir, 'functions'), ...(this.opts.extraFunctionDirs ?? [])].join(':'),
        GATEWAY_CONFIG_TOML: this.opts.configToml ?? path.join(supabaseDir, 'config.toml'),
        ...(this.opts.envFile ? { GATEWAY_ENV_FILE: this.opts.envFile } : {}),
        GATEWAY_SCHEDULES: this.opts.schedules === false ? 'off' : 'on',
        ...this.opts.extraEnv,
      },
    });
    if (typeof out === 'number') fs.closeSync(out);
    this.child = child;
    if (this.opts.pidFile && child.pid) new PidFile(this.opts.pidFile).write(child.pid);
    let exited = false;
    child.on('exit', (code, signal) => {
      exited = true;
      this.child = undefined;
      if (this.opts.pidFile) new PidFile(this.opts.pidFile).remove();
      for (const l of this.exitListeners) l(code, signal);
    });
    const deadline = Date.now() + 60_000;
    while (true) {
      if (exited) throw new StackError('the API gateway exited during start-up', this.opts.logFile ? `see ${this.opts.logFile}` : undefined);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.ok) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) {
        await this.stop();
        throw new StackError('the API gateway did not answer /health within 60 s');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => { clearTimeout(timer); resolve(); });
      child.kill('SIGTERM');
    });
  }
}

/**
 * Keeps one process of the local stack running (the database server, the API gateway): any exit
 * we did not ask for is followed by a restart after an exponential backoff (0.5 s doubling, capped
 * at 20 s, back to 0.5 s once a run has lasted a minute). A process that keeps failing right
 * after start (5 times in a row, each within 10 s of starting or not starting at all) is given
 * up on. stop() cancels a pending restart and stops the process, also one that is starting.
 */
export interface SupervisedProcess {
  start(): Promise<void>;
  stop(): Promise<void>;
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** The running process's pid; undefined once it has exited. */
  readonly pid: number | undefined;
}

export interface SupervisorOptions {
  /** As in "the API gateway exited unexpectedly". */
  name: string;
  logFile: string;
  /** Called once when the process is given up on, with one line saying so. */
  onGiveUp: (message: string) => void;
  log?: (line: string) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A run this long resets the backoff. */
  stableMs?: number;
  /** An exit sooner than this after start counts as failing right after start. */
  quickMs?: number;
  maxQuickFailures?: number;
}

type State = 'idle' | 'starting' | 'running' | 'waiting' | 'stopped';

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

export class Supervisor {
  private state: State = 'idle';
  private attempt?: Promise<void>;
  private restartTimer?: NodeJS.Timeout;
  private runTimers: NodeJS.Timeout[] = [];
  private startedAt = 0;
  private delayMs: number;
  private quickFailures = 0;
  private restarts = 0;
  private readonly o: Required<Omit<SupervisorOptions, 'onGiveUp' | 'log'>> & Pick<SupervisorOptions, 'onGiveUp' | 'log'>;

  constructor(readonly proc: SupervisedProcess, opts: SupervisorOptions) {
    this.o = { initialDelayMs: 500, maxDelayMs: 20_000, stableMs: 60_000, quickMs: 10_000, maxQuickFailures: 5, ...opts };
    this.delayMs = this.o.initialDelayMs;
    proc.onExit((code, signal) => this.exited(code, signal));
  }

  private log(line: string): void {
    (this.o.log ?? console.error)(line);
  }

  /** The first start. Its failure is the caller's to report: no retry. */
  async start(): Promise<void> {
    this.state = 'starting';
    this.attempt = this.proc.start();
    try {
      await this.attempt;
    } finally {
      this.attempt = undefined;
    }
    this.started();
  }

  /** No more restarts from now on (synchronous; stop() also stops the process). */
  halt(): void {
    this.state = 'stopped';
    clearTimeout(this.restartTimer);
    for (const t of this.runTimers) clearTimeout(t);
    this.runTimers = [];
  }

  async stop(): Promise<void> {
    this.halt();
    await this.proc.stop();
    // A start in flight may spawn its process after that stop: wait for it, then stop again.
    const attempt = this.attempt;
    if (attempt) {
      await attempt.catch(() => {});
      await this.proc.stop();
    }
  }

  /** A method, so that TypeScript does not narrow the state across an await. */
  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  private started(): void {
    if (this.isStopped()) return;
    if (this.proc.pid === undefined) return this.failed('exited right after start', true);
    this.state = 'running';
    this.startedAt = Date.now();
    this.runTimers = [
      setTimeout(() => (this.quickFailures = 0), this.o.quickMs).unref(),
      setTimeout(() => (this.delayMs = this.o.initialDelayMs), this.o.stableMs).unref(),
    ];
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    // While starting, the start attempt reports the failure; while stopped, we asked for it.
    if (this.state !== 'running') return;
    for (const t of this.runTimers) clearTimeout(t);
    this.runTimers = [];
    this.failed(`exited unexpectedly (${describeExit(code, signal)})`, Date.now() - this.startedAt < this.o.quickMs);
  }

  private failed(what: string, quick: boolean): void {
    this.quickFailures = quick ? this.quickFailures + 1 : 0;
    if (this.quickFailures >= this.o.maxQuickFailures) {
      this.halt();
      this.o.onGiveUp(`the ${this.o.name} keeps failing right after start (${this.quickFailures} times in a row, last: ${what}); `
        + `giving up and stopping the local stack; see ${this.o.logFile}`);
      return;
    }
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, this.o.maxDelayMs);
    this.restarts += 1;
    const next = this.state === 'starting' ? 'trying again' : 'restarting it';
    this.log(`the ${this.o.name} ${what}; ${next} in ${(delay / 1000).toFixed(1)} s (restart ${this.restarts}, log ${this.o.logFile})`);
    this.state = 'waiting';
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (this.state !== 'waiting') return;
    this.state = 'starting';
    this.attempt = this.proc.start();
    try {
      await this.attempt;
    } catch (err) {
      if (this.isStopped()) return;
      return this.failed(`did not start again: ${err instanceof Error ? err.message : String(err)}`, true);
    } finally {
      this.attempt = undefined;
    }
    if (this.isStopped()) return;
    this.log(`the ${this.o.name} is running again (pid ${this.proc.pid})`);
    this.started();
  }
}

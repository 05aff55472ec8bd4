/**
 * One running stack per state folder: a pid file naming the running process and its
 * start time (so a recycled pid is not mistaken for it). A lock left by a stack that was
 * killed is stale and taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from '../../lib/stack-error.ts';

interface LockContent { pid: number; startTime: string }

/** Start time of a live (not zombie) process, or undefined. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** A pid file naming a process by pid and start time; `live()` is that process while it runs. */
export class PidFile {
  constructor(readonly file: string) {}

  live(): LockContent | undefined {
    let content: LockContent;
    try {
      content = JSON.parse(fs.readFileSync(this.file, 'utf8')) as LockContent;
    } catch {
      return undefined;
    }
    return processStartTime(content.pid) === content.startTime ? content : undefined;
  }

  write(pid: number): void {
    fs.writeFileSync(this.file, JSON.stringify({ pid, startTime: processStartTime(pid) ?? '' }));
  }

  remove(): void {
    fs.rmSync(this.file, { force: true });
  }
}

export class StackLock {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'stack.pid');
  }

  /** The live holder of the lock, if any. */
  holder(): LockContent | undefined {
    return new PidFile(this.file).live();
  }

  acquire(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const mine: LockContent = { pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(this.file, JSON.stringify(mine), { flag: 'wx' });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const live = this.holder();
      if (live) {
        throw new StackError(`the local stack is already running (pid ${live.pid})`,
          `use that one, or stop it first (Ctrl-C in its terminal, or kill -TERM ${live.pid})`);
      }
      fs.rmSync(this.file, { force: true }); // stale: its process is gone
    }
    throw new StackError(`could not take the stack lock ${this.file}`);
  }

  release(): void {
    if (this.holder()?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}

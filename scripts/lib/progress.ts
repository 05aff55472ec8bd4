/**
 * Progress for steps that can take more than a second: an ora spinner on a terminal, plain
 * "start ... done (n ms)" lines elsewhere (CI, pipes), always on stderr so stdout stays parseable.
 */
import ora from 'ora';

export async function withProgress<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  const spinner = tty ? ora({ text: label, stream: process.stderr }).start() : undefined;
  if (!tty) process.stderr.write(`${label}...\n`);
  try {
    const value = await fn();
    const ms = Math.round(performance.now() - t0);
    if (spinner) spinner.succeed(`${label} (${ms} ms)`);
    else process.stderr.write(`${label}: done (${ms} ms)\n`);
    return value;
  } catch (err) {
    if (spinner) spinner.fail(label);
    else process.stderr.write(`${label}: failed\n`);
    throw err;
  }
}

/** A row counter with rows per second: a spinner on a terminal, a line every few seconds elsewhere. */
export function rowsProgress(label: string, total: number) {
  const t0 = performance.now();
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  const spinner = tty ? ora({ text: label, stream: process.stderr }).start() : undefined;
  let lastLine = t0;
  const rate = (n: number) => Math.round(n / Math.max(0.001, (performance.now() - t0) / 1000));
  const fmt = (n: number) => n.toLocaleString('en-US');
  return {
    update(n: number) {
      const text = `${label}: ${fmt(n)} / ${fmt(total)} rows (${fmt(rate(n))} rows/s)`;
      if (spinner) spinner.text = text;
      else if (performance.now() - lastLine > 5000) {
        process.stderr.write(`${text}\n`);
        lastLine = performance.now();
      }
    },
    done(n: number): { rows: number; seconds: number; rowsPerSecond: number } {
      const seconds = (performance.now() - t0) / 1000;
      const text = `${label}: ${fmt(n)} rows in ${seconds.toFixed(1)} s (${fmt(rate(n))} rows/s)`;
      if (spinner) spinner.succeed(text);
      else process.stderr.write(`${text}\n`);
      return { rows: n, seconds, rowsPerSecond: rate(n) };
    },
  };
}

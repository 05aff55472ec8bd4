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

/**
 * An expected failure of the local stack: printed as one line with a hint,
 * never as a stack trace.
 */
export class StackError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'StackError';
  }
}

/** Print an error for a person: one line (plus a hint) for StackError, the stack otherwise. */
export function reportFatal(err: unknown, prefix = 'error'): void {
  if (err instanceof StackError) {
    console.error(`${prefix}: ${err.message}`);
    if (err.hint) console.error(`hint: ${err.hint}`);
  } else {
    console.error(`${prefix}: unexpected failure`);
    console.error(err);
  }
}

/**
 * What CLI commands need from the outside world, so they can be tested without a terminal.
 * Exit codes: 0 success, 1 problems found, 2 usage error or unreadable input.
 */

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

/** A mistake in how a command was called (unknown flag, missing file): shown without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

// A reader that stops early (`handoff plan --json | head`) closes the pipe: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

/** The process's own terminal. */
export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/**
 * Errors the CLI reports in one line, and the exit codes it uses (README's table lists exactly these).
 */

/** Bad input: reported as one line naming the file, flag or name, with exit code 2. */
export class InputError extends Error {}

/** A design or property file that cannot be loaded (a kind of bad input). */
export class LoadError extends InputError {}

/** Every exit code the CLI uses. */
export const EXIT = {
  /** Every verdict as expected; every trace reproduced; every resave rewrote its file. */
  ok: 0,
  /**
   * An unexpected verdict; a trace that no longer reproduces or diverges from the design; resave: no longer violates.
   */
  unexpected: 1,
  /** Bad input: unknown name, bad flag, malformed trace file, unusable --out, nothing to check. */
  input: 2,
  /** Verdicts as expected, but a 'holds' rests on a run stopped early by a bound (without --accept-partial). */
  partial: 3,
  /** A bug in fencecheck (one line; FENCECHECK_DEBUG=1 prints the stack). */
  internal: 4,
  /** Interrupted by SIGINT or SIGTERM (128 + 2, as shells report Ctrl-C). */
  interrupted: 130,
} as const;

// The terminal-safe text helpers live in plain JS so the CLI's front door shares them (issue 15.5).
export { escapeControl, oneLine } from './terminal-text.mjs';

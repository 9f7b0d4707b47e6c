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

/**
 * Text from a trace or an error made safe for a terminal: C0/C1 control characters (escape sequences,
 * carriage returns, bells) are written as \xNN, so nothing in a file can move the cursor or recolour
 * the screen. `keepNewlines` leaves '\n' alone (for multi-line output built here).
 */
export function escapeControl(s: string, keepNewlines = false): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const re = keepNewlines ? /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/g : /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
  return s.replace(re, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** One line for stderr: whitespace runs that contain a newline collapse to one space, controls escaped. */
export function oneLine(s: string): string {
  return escapeControl(s.replace(/\s*[\r\n]+\s*/g, ' '));
}

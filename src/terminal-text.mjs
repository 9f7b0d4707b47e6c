// @ts-check
/**
 * Text made safe for a terminal, in plain JavaScript so that the CLI's front door (src/cli/program.mjs)
 * uses the same escaping as everything behind it without loading TypeScript (issue 15.5).
 */

/**
 * Text from a trace or an error made safe for a terminal: C0/C1 control characters (escape sequences,
 * carriage returns, bells) are written as \xNN, so nothing in a file can move the cursor or recolour
 * the screen. `keepNewlines` leaves '\n' alone (for multi-line output built here).
 * @param {string} s
 * @param {boolean} [keepNewlines]
 * @returns {string}
 */
export function escapeControl(s, keepNewlines = false) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const re = keepNewlines ? /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/g : /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
  return s.replace(re, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * One line for stderr: whitespace runs that contain a newline collapse to one space, controls escaped.
 * @param {string} s
 * @returns {string}
 */
export function oneLine(s) {
  return escapeControl(s.replace(/\s*[\r\n]+\s*/g, ' '));
}

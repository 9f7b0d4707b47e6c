#!/usr/bin/env node
// @ts-check
// The fencecheck command. Its front door (src/cli/program.mjs, plain JavaScript) parses the command line,
// so help, version and a bad flag answer in Node and commander alone; a command that does work loads
// tsx's loader (TypeScript, no build step), then what the command does (src/cli/main.ts).
import { run } from '../src/cli/program.mjs';
import { oneLine } from '../src/terminal-text.mjs';

/**
 * A closed stdout or stderr (`fencecheck list | head`) ends the run quietly instead of with a stack trace.
 * @param {NodeJS.WriteStream} s
 */
function quietOnEpipe(s) {
  s.on('error', (/** @type {NodeJS.ErrnoException} */ e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
quietOnEpipe(process.stdout);
quietOnEpipe(process.stderr);

const load = async () => {
  const { register } = await import('tsx/esm/api');
  register();
  const { commands } = await import('../src/cli/main.ts');
  // the real CLI runs `check` in a worker thread, so SIGINT/SIGTERM are answered (run-check.ts)
  return commands(true);
};

run(process.argv.slice(2), load).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // src/errors.ts EXIT.internal, before main.ts could report it (tsx or an import failed)
    process.stderr.write(`fencecheck: internal error: ${oneLine(String(e?.message ?? e))}\n`);
    process.exitCode = 4;
  },
);

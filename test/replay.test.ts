/**
 * Every saved counterexample replays: its actions are still enabled step by step, the recorded property
 * breaks again at the end, and the design still expects that violation (a rejected design stays
 * rejected; a trace of an unexpected violation fails until the model or the expectation changes).
 */
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { listTraces } from '../src/counterexample/store.ts';
import { replayFile } from '../src/counterexample/replay.ts';
import { COUNTEREXAMPLES_DIR } from '../src/registry.ts';

const files = listTraces();

describe('saved counterexamples replay', () => {
  test('there are saved traces to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  test.each(files)('%s', async (f) => {
    const r = await replayFile(join(COUNTEREXAMPLES_DIR, f));
    expect(r.message, `${f}: ${r.message}`).toMatch(/^reproduced: /);
    expect(r.ok).toBe(true);
    expect(
      r.expected,
      `${f}: design ${r.trace?.meta.design} no longer expects '${r.trace?.meta.property}' to be violated`,
    ).toBe(true);
  });
  // Issue 10.8: on an unchanged checkout no saved trace reports drift. The digest is of the model's
  // behaviour along the trace; a model change that the trace reaches is refreshed with `fencecheck resave`.
  test.each(files)('%s: no drift', async (f) => {
    const r = await replayFile(join(COUNTEREXAMPLES_DIR, f));
    expect(
      r.digestChanged,
      `${f}: the model behaves differently along this trace; run 'npx fencecheck resave ${f}'`,
    ).toBe(false);
    expect(r.driftAt, `${f}: world images differ from step ${r.driftAt}`).toBe(-1);
  });
});

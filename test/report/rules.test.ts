/**
 * docs/model.md cannot drift from the code: every rule id it cites appears in the code, its generated
 * tables equal what `fencecheck list --rules --markdown` prints now, and the rule map itself is read
 * from the Contract comments, machine descriptions and property rule lists.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../src/registry.ts';
import { ruleMap, contractBullets, RULE_ID, compareRuleIds } from '../../src/report/rules.ts';
import { generatedModelDoc, MODEL_DOC } from '../../src/report/model-doc.ts';

function codeText(): string {
  let all = '';
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.ts')) all += readFileSync(p, 'utf8') + '\n';
    }
  };
  walk(join(ROOT, 'models'));
  walk(join(ROOT, 'properties'));
  return all;
}

describe('docs/model.md', () => {
  test('every rule id it cites appears in models/ or properties/', () => {
    const doc = readFileSync(MODEL_DOC, 'utf8');
    const code = codeText();
    const cited = [...new Set([...doc.matchAll(RULE_ID)].map((m) => m[1]))];
    expect(cited.length).toBeGreaterThan(10);
    const missing = cited.filter((id) => !new RegExp(`\\b${id}\\b`).test(code));
    expect(missing, `docs/model.md cites rule ids no code mentions: ${missing.join(', ')}`).toEqual([]);
  });
  test('its generated tables are up to date (run `npm run docs:model` if this fails)', async () => {
    const { current, fresh } = await generatedModelDoc();
    expect(current === fresh, 'docs/model.md is stale: run `npm run docs:model` and commit the result').toBe(true);
  });
});

describe('the rule map', () => {
  test('Contract bullets are read with their continuation lines', () => {
    const b = contractBullets(
      'Contract:\n- R4  dma_fence_signal is one-shot: the first call\n      detaches the callbacks.\n- R5  no way ' +
        'back.\nModels: x',
    );
    expect(b).toEqual([
      { id: 'R4', text: 'dma_fence_signal is one-shot: the first call detaches the callbacks.' },
      { id: 'R5', text: 'no way back.' },
    ]);
  });
  test('dma_fence: stated in its model, encoded by its transitions, checked by one-shot', async () => {
    const m = await ruleMap();
    const r4 = m.rules.find((r) => r.id === 'R4')!;
    expect(r4.text).toMatch(/^dma_fence_signal is one-shot/);
    expect(r4.statedIn).toContain('models/dma-buf/dma-fence.ts');
    expect(r4.machines).toContain('dma_fence: unsignaled DMA_FENCE_SIGNAL');
    expect(r4.properties).toContain('one-shot');
    const fence = m.machines.find((x) => x.id === 'dma_fence')!;
    expect(fence.rules).toEqual(expect.arrayContaining(['R1', 'R4', 'R5', 'R6', 'R8', 'R10', 'R11']));
    expect(m.rules.map((r) => r.id)).toEqual([...m.rules.map((r) => r.id)].sort(compareRuleIds));
  });
  test('every property rule id is in the map', async () => {
    const m = await ruleMap();
    const ids = new Set(m.rules.map((r) => r.id));
    expect(ids.has('I10')).toBe(true);
    expect(m.rules.find((r) => r.id === 'I10')!.properties).toContain('finite-time');
  });
});

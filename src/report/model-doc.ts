/**
 * Regenerates the generated block of docs/model.md from the code (`npm run docs:model`). With --check,
 * exits 1 if the file is out of date instead of writing it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../registry.ts';
import { ruleMap, ruleMapMarkdown, replaceGenerated } from './rules.ts';

export const MODEL_DOC = join(ROOT, 'docs', 'model.md');

export async function generatedModelDoc(): Promise<{ current: string; fresh: string }> {
  const current = readFileSync(MODEL_DOC, 'utf8');
  return { current, fresh: replaceGenerated(current, ruleMapMarkdown(await ruleMap())) };
}

const isMain = process.argv[1] && /model-doc\.ts$/.test(process.argv[1]);
if (isMain) {
  const { current, fresh } = await generatedModelDoc();
  if (process.argv.includes('--check')) {
    if (current !== fresh) {
      process.stderr.write('docs/model.md is out of date: run `npm run docs:model`\n');
      process.exitCode = 1;
    }
  } else if (current !== fresh) {
    writeFileSync(MODEL_DOC, fresh);
    process.stdout.write('docs/model.md: generated block rewritten\n');
  } else process.stdout.write('docs/model.md: up to date\n');
}

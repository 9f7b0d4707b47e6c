/**
 * `fencecheck resave [FILE...]`: re-run each saved trace's property on the current model and, when the
 * trace still violates it, rewrite the file with what the model does now (world images, config
 * values, violation message, drain, digest); same actions, so the same name. A trace that no longer
 * violates is reported and left in place: deleting evidence is a person's decision (issue 10.8).
 */
import { readFileSync } from 'node:fs';
import type { World } from '../../models/world.ts';
import { toTraceFile } from '../api.ts';
import { findAction, type Action } from '../world/steps.ts';
import { loadTrace } from './load.ts';
import { findingAtEnd } from './replay.ts';
import { replaceTrace, traceText } from './store.ts';

export interface ResaveResult {
  file: string;
  /**
   * rewritten: still violates, file updated; unchanged: already current; gone: no longer violates (kept);
   * raced: the file changed meanwhile (left alone).
   */
  status: 'rewritten' | 'unchanged' | 'gone' | 'raced';
  message: string;
}

export async function resaveFile(file: string): Promise<ResaveResult> {
  const old = readFileSync(file, 'utf8');
  const { design: d, property: p, trace: t, cfg } = await loadTrace(file);
  const w0: World = d.init(cfg);
  let w = w0;
  const acts: Action[] = [];
  const actions = [];
  for (const [i, a] of t.meta.actions.entries()) {
    const last = findAction(d, cfg, w, a.step, a.args);
    if (!last)
      return {
        file,
        status: 'gone',
        message: `no longer violates '${p.name}': step ${i + 1} (${a.label}) is not enabled; kept`,
      };
    actions.push({ step: a.step, args: a.args, label: last.label });
    acts.push(last);
    w = last.next;
  }
  const f = findingAtEnd(d, cfg, p, w0, acts);
  if (!f)
    return {
      file,
      status: 'gone',
      message: `no longer violates '${p.name}' at the end of the ${actions.length}-step trace; kept`,
    };
  const m = t.meta;
  const nt = toTraceFile(
    d,
    m.config,
    cfg,
    { property: p.name, message: f.message, actions, drain: f.drain, loop: m.loop },
    m.engine,
    m.seed,
    m.path,
  );
  if (traceText(nt) === old)
    return { file, status: 'unchanged', message: `still violates: ${f.message}; already current` };
  if (!replaceTrace(file, nt, old))
    return { file, status: 'raced', message: 'the file changed while resaving; left as it is' };
  return {
    file,
    status: 'rewritten',
    message: `still violates: ${f.message}; rewritten (digest ${nt.meta.modelDigest})`,
  };
}

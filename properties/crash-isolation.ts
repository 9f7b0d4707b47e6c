/**
 * crash-isolation — seed 002 §2.1 ("the kernel knows which process is obliged to signal which
 * fence"; I10 for the survivors): from any state after a crash, stop the surviving clients and let
 * the kernel, the GPU, the timers and the compositor's own steps run (the drain). When it settles:
 * a crashed client does not hold the compositor in a wait, and every fence the crashed client owed is
 * signalled; after a compositor crash every fence it owed is signalled and every buffer it held for a
 * live client is released, so no client waits forever.
 * On the state graph (src/explore/liveness.ts) the judgment is the same at a state where nothing drains
 * (crashes are faults, final, never part of a drain, so the crashed sides are those of the state); the
 * obligation a fair cycle must keep open is what the judgment would name there.
 */
import { defineProperty } from './property.ts';
import { idsOf, ctx, hasTag, stateOf, sortedIds } from '../models/world.ts';
import type { World } from '../models/world.ts';
import { isFence } from '../models/view.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import type { CompositorContext } from '../models/display/compositor.ts';
import { releaseSignaled } from '../models/display/present-view.ts';

function owedUnsignalled(w: World, owner: string): string[] {
  const out: string[] = [];
  for (const id of sortedIds(w)) {
    const s = w.o[id];
    if (!isFence(s) || s.hasTag('signaled')) continue;
    const c = s.context as DmaFenceContext;
    if (c.owner === owner && c.signaller === 'user' && c.published) out.push(id);
  }
  return out;
}

const crashIsolation = defineProperty({
  name: 'crash-isolation',
  kind: 'drain',
  rules: ['I10', 'R30'],
  needs: ['compositor'],
  witness: {
    what: 'a crashed client or compositor',
    state: (w) => [...idsOf(w, 'present_client'), ...idsOf(w, 'compositor')].some((id) => hasTag(w, id, 'crashed')),
  },
  statement:
    'A crashed client never blocks the compositor, and a crashed compositor never blocks a client forever: once the ' +
    'kernel, GPU and timers settle, everything the crashed side owed is signalled.',
  drain: (from, r) => {
    const crashedClients = idsOf(from, 'present_client').filter((c) => hasTag(from, c, 'crashed'));
    const comps = idsOf(from, 'compositor').filter((c) => hasTag(from, c, 'crashed'));
    if (!crashedClients.length && !comps.length) return null;
    const w = r.settled;
    if (!w)
      return (
        `after the crash of ${[...crashedClients, ...comps].join(', ')} the kernel and display did not settle ` +
        `within ${r.bound} steps`
      );
    for (const c of crashedClients) {
      for (const comp of idsOf(w, 'compositor')) {
        const st = ctx<CompositorContext>(w, comp).stall;
        if (stateOf(w, comp) === 'stalled' && st?.client === c)
          return `${comp} waits forever on crashed ${c}'s ${st.on}`;
      }
      const owed = owedUnsignalled(w, c);
      if (owed.length) return `crashed ${c} owed ${owed.join(', ')}, and nobody signals them`;
    }
    for (const comp of comps) {
      const owed = owedUnsignalled(w, comp);
      if (owed.length) return `crashed ${comp} owed ${owed.join(', ')}; their clients wait forever`;
      const c = ctx<CompositorContext>(w, comp);
      const held = [
        ...Object.values(c.queue).flat(),
        ...Object.values(c.latched),
        ...Object.values(c.onScreen),
        ...c.toRelease,
      ];
      const stuck = held.find((s) => !hasTag(w, s.client, 'crashed') && !releaseSignaled(w, s.release));
      if (stuck)
        return `crashed ${comp} held ${stuck.client}'s ${stuck.buf} (frame ${stuck.frame}); it is never released`;
    }
    return null;
  },
});

export default Object.assign(crashIsolation, {
  graph: {
    unmet: (w: World, cfg: unknown): string[] => {
      const m = crashIsolation.drain!(w, { settled: w, steps: 0, labels: [], bound: 0 }, cfg);
      return m ? [m] : [];
    },
  },
});

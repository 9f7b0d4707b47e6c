/**
 * hazard-free — seed 004, H8, I18/I19-like consumer safety (R53, R54, R62, R126, R127): two GPU
 * accesses to one BO, at least one a write, are ordered by happens-before.
 *
 * What is read: the access records, g[`access:<id>`] (`AccessRecord`, models/userspace/buffer-sharing.ts;
 * any subsystem may write one, plain JSON): an access's BOs, every fence it was told to wait on before
 * it started (implicit: the resv fences of dma_resv_usage_rw; explicit: its in-fences; recorded before
 * the scheduler drops signaled ones or substitutes `scheduled`, R91, R93), the in-order queue it runs
 * on with its place there, and the fence that ends it. `accessView` is the one accessor.
 *
 * Happens-before A1 -> A2 (A1 recorded earlier), the transitive closure of:
 * - A2 waited on a fence whose leaves (R50: through arrays and chains) include a fence of A1 (its end
 *   fence, or one it owns), or a later fence of the same context (I4, R52: a later fence signaled
 *   implies the earlier ones);
 * - A1 and A2 run on one queue, A1 first: one drm_sched entity on one ring (R97 pops an entity's jobs
 *   in push order and the ring executes in order, which is what lets R93 wait only on `scheduled`).
 *   Queues, not processes: a process with two entities has two queues, and nothing orders them; two
 *   entities on one ring are not ordered either (their order on the ring is the scheduler's choice);
 * - A1 had ended (its end fence signaled) when A2 was recorded: A1's access is over before A2 exists.
 *   Real time is an order, and the explorer also tries the interleavings where A1 is slower.
 * The check runs when the later access is recorded (a step property): its dependencies are fixed from
 * then on (R70, I17), so an unordered pair is unordered for good; some interleaving runs them in either
 * order or concurrently. Not faithful to: sub-BO ranges (a BO is the unit), CPU accesses (not recorded).
 */
import { defineProperty } from './property.ts';
import { onGlobals, type World } from '../models/world.ts';
import type { DmaFenceContext } from '../models/dma-buf/dma-fence.ts';
import { isFence } from '../models/view.ts';
import { dma_fence_unwrap } from '../models/dma-buf/dma-fence-unwrap.ts';
import { accessRecords, conflict, type AccessRecord } from '../models/userspace/buffer-sharing.ts';

/** An access record with its defaults filled in (the one reading of g[`access:<id>`]). */
interface AccessView extends AccessRecord {
  id: string;
  queue: string;
  seq: number;
  end: string;
}

/** The access records of `w`, defaults applied: queue = proc, seq = the k of `<...>.j<k>`, end = `<id>.finished`. */
function accessView(w: World): AccessView[] {
  return accessRecords(w).map(([id, r]) => ({
    ...r,
    id,
    queue: r.queue ?? r.proc,
    seq: r.seq ?? Number(id.slice(id.lastIndexOf('.j') + 2)),
    end: r.end ?? `${id}.finished`,
  }));
}

/**
 * The access records by id, once per globals object: they are a function of the globals alone, and the
 * explorers share one globals object between every state with the same globals (read, never changed).
 */
function accessViews(w: World): ReadonlyMap<string, AccessView> {
  return onGlobals(w, VIEWS, (x) => new Map(accessView(x).map((r) => [r.id, r])));
}
const VIEWS = {};

function signaled(w: World, id: string): boolean {
  const s = w.o[id];
  return !!s && s.hasTag('signaled');
}

/** The access a fence belongs to: the record whose end it is, or whose id owns it (a job's fences). */
function accessOfFence(w: World, fence: string, byEnd: Map<string, string>, ids: Set<string>): string | null {
  const e = byEnd.get(fence);
  if (e) return e;
  const owner = (w.o[fence]?.context as { owner?: string } | undefined)?.owner;
  return owner && ids.has(owner) ? owner : null;
}

/** Accesses that happen before `id` (excluding the real-time rule), given the records of `w`. */
function happensBefore(w: World, id: string, recs: ReadonlyMap<string, AccessView>): Set<string> {
  const byContext = new Map<number, { id: string; seqno: number }[]>();
  for (const f in w.o) {
    const s = w.o[f];
    if (!isFence(s)) continue;
    const c = s.context as DmaFenceContext;
    if (c.context === 0) continue;
    const l = byContext.get(c.context) ?? [];
    byContext.set(c.context, l);
    l.push({ id: f, seqno: c.seqno });
  }
  const byEnd = new Map<string, string>();
  for (const r of recs.values()) byEnd.set(r.end, r.id);
  const ids = new Set(recs.keys());
  const out = new Set<string>();
  const todo = [id];
  while (todo.length) {
    const j = todo.pop()!;
    const rec = recs.get(j);
    if (!rec) continue;
    const add = (x: string) => {
      if (x !== id && !out.has(x)) {
        out.add(x);
        todo.push(x);
      }
    };
    for (const r of recs.values()) if (r.queue === rec.queue && r.seq < rec.seq) add(r.id);
    for (const d of rec.deps) {
      for (const leaf of dma_fence_unwrap(w, d)) {
        const c = w.o[leaf]?.context as DmaFenceContext | undefined;
        const same =
          c && c.context !== 0
            ? (byContext.get(c.context) ?? []).filter((f) => f.seqno <= c.seqno).map((f) => f.id)
            : [leaf];
        for (const f of same) {
          const o = accessOfFence(w, f, byEnd, ids);
          if (o) add(o);
        }
      }
    }
  }
  return out;
}

/** Two conflicting accesses on different queues, neither over: the situation the property judges. */
/**
 * The witness: two queues have touched one buffer, at least one writing. That is where ordering is
 * needed, by a fence chain, by the CPU waiting for completion, or by neither (the bug); a design whose
 * queues never share a buffer says nothing about hazards. (Counting only pairs in flight at once would
 * miss every design that orders by completion: those never have both in flight, by construction.)
 */
function conflictingAcrossQueues(w: World): boolean {
  // a function of the globals alone (the access records): judged once per globals object
  return onGlobals(w, CONFLICTING, conflictingIn);
}
const CONFLICTING = {};
function conflictingIn(w: World): boolean {
  const recs = accessRecords(w).map(([, r]) => r);
  const queue = (r: AccessRecord) => r.queue ?? r.proc;
  for (let i = 0; i < recs.length; i++)
    for (let k = i + 1; k < recs.length; k++)
      if (queue(recs[i]) !== queue(recs[k]) && conflict(recs[i].acc, recs[k].acc)) return true;
  return false;
}

export default defineProperty({
  name: 'hazard-free',
  kind: 'step',
  rules: ['H8', 'R53', 'R54', 'R62', 'R97', 'R126', 'R127', 'R128'],
  statement:
    'Two GPU accesses to one BO, at least one a write, are ordered by a happens-before chain of fences (implicit or ' +
    'explicit), by the order of one in-order queue, or by completion before submission.',
  needs: ['dma_resv'],
  witness: {
    what: 'two queues touched one buffer, at least one writing',
    state: (w) => conflictingAcrossQueues(w),
  },
  step: (before, a, after) => {
    // Only a step that records a new access can be one of a racing pair (its r2, below); a step that
    // leaves the globals as they were (the same object), or writes only other globals, recorded none.
    if (after.g === before.g) return null;
    let recorded = false;
    for (const k in after.g)
      if (k.startsWith('access:') && before.g[k] === undefined) {
        recorded = true;
        break;
      }
    if (!recorded) return null;
    const recs = accessViews(after);
    for (const r2 of recs.values()) {
      if (before.g[`access:${r2.id}`] !== undefined) continue;
      const hb = happensBefore(after, r2.id, recs);
      for (const r1 of recs.values()) {
        if (r1.id === r2.id || before.g[`access:${r1.id}`] === undefined) continue;
        const bo = conflict(r1.acc, r2.acc);
        if (!bo || hb.has(r1.id) || signaled(before, r1.end)) continue;
        const how = (r: AccessRecord) => (r.acc.some(([b, m]) => b === bo && m === 'w') ? 'writes' : 'reads');
        return (
          `${r2.id} ${how(r2)} ${bo} while ${r1.id} ${how(r1)} it, unordered: no fence chain or queue leads from ` +
          `${r1.id} to ${r2.id} and ${r1.id} had not completed when ${r2.id} was submitted (at ${a.label})`
        );
      }
    }
    return null;
  },
});

/**
 * The naive harness the bench compares against: RW-UMF written the way the fast-check and xstate docs
 * suggest. One running actor per object (createActor(...).start()), one fresh actor system per run;
 * `fc.commands` over one command class per atomic action, whose `check` is the spec's guard read from
 * the actors' snapshots and whose `run` sends the events; `fc.modelRun`; the deadlock invariant
 * asserted after every command. The same machines as the designs (models/reference/rw-umf.ts, dma-fence.ts),
 * with `deliver` provided as a real send to the target actor.
 */
import fc from 'fast-check';
import { createActor, type AnyActorRef, type AnyStateMachine } from 'xstate';
import {
  rwRingMachine,
  rwBoMachine,
  rwCtxMachine,
  rwUmfMachine,
  type RwRingContext,
  type Variant,
} from '../models/reference/rw-umf.ts';
import { dmaFenceMachine } from '../models/dma-buf/dma-fence.ts';

class Sys {
  actors = new Map<string, AnyActorRef>();
  constructor(
    readonly v: Variant,
    readonly P: number,
    readonly J: number,
  ) {
    for (let i = 0; i < P; i++) {
      this.spawn(`p${i}.ring`, rwRingMachine, { jobs: J });
      this.spawn(`p${i}.bo`, rwBoMachine, {});
      if (i === P - 1) {
        this.send(`p${i}.bo`, { type: 'BO_EVICT' });
        this.send(`p${i}.bo`, { type: 'BO_MOVE_OUT' });
      }
      if (i < P - 1) this.spawn(`p${i}.umf`, rwUmfMachine, {});
      if (v === 'B') {
        this.spawn(`p${i}.ctx`, rwCtxMachine, { fence: `p${i}.preempt` });
        this.spawnPf(i);
      }
    }
  }
  spawn(id: string, m: AnyStateMachine, input: unknown) {
    this.actors.get(id)?.stop();
    const a = createActor(
      m.provide({
        actions: { deliver: (_: unknown, p: { to: string; ev: { type: string } }) => this.send(p.to, p.ev) },
      } as any),
      { input },
    );
    a.start();
    this.actors.set(id, a);
  }
  spawnPf(i: number) {
    this.spawn(`p${i}.preempt`, dmaFenceMachine, {
      ops: 'preempt',
      context: 1000 + i,
      seqno: 1,
      owner: `p${i}.ctx`,
      published: false,
      onEnable: { to: `p${i}.ctx`, ev: { type: 'CTX_PREEMPT' } },
    });
  }
  send(id: string, ev: { type: string; [k: string]: unknown }) {
    this.actors.get(id)!.send(ev);
  }
  snap(id: string) {
    return this.actors.get(id)!.getSnapshot();
  }
  R(i: number) {
    return this.snap(`p${i}.ring`).context as RwRingContext;
  }
  bo(i: number) {
    return this.snap(`p${i}.bo`).value as string;
  }
  pin(i: number) {
    return this.snap(`p${i}.bo`).context.pin as boolean;
  }
  ctx(i: number) {
    return this.v === 'A' ? 'RUN' : (this.snap(`p${i}.ctx`).value as string);
  }
  umfok(i: number) {
    return i === this.P - 1 || this.R(i).done > 0 || this.snap(`p${i}.umf`).value === 'written';
  }
  headq(i: number) {
    const r = this.R(i);
    return r.done < r.sub && !r.act;
  }
  needbo(i: number) {
    const want = this.v === 'A' ? this.headq(i) && this.umfok(i) : this.headq(i) || this.ctx(i) === 'PREEMPTED';
    return want && this.bo(i) === 'NONRES' && this.R(i).evf < 0;
  }
  nres() {
    let n = 0;
    for (let i = 0; i < this.P; i++) if (this.bo(i) !== 'NONRES') n++;
    return n;
  }
  busy(v: number) {
    return this.v === 'A' ? this.R(v).act : this.R(v).act && this.ctx(v) === 'RUN' && this.umfok(v);
  }
  allDone() {
    for (let i = 0; i < this.P; i++) if (this.R(i).done < this.J) return false;
    return true;
  }
  stop() {
    for (const a of this.actors.values()) a.stop();
  }
}

export const naiveStats = { steps: 0 };

type Cmd = fc.Command<Sys, Sys>;
abstract class Base implements Cmd {
  constructor(
    readonly name: string,
    readonly i: number,
    readonly v = -1,
  ) {}
  abstract check(m: Readonly<Sys>): boolean;
  abstract act(s: Sys): void;
  run(m: Sys): void {
    this.act(m);
    naiveStats.steps++;
    // The invariant, after every command: some command is enabled, or every job is done.
    if (!m.allDone() && !allCommands(m.v, m.P).some((c) => c.check(m)))
      throw new Error('deadlock: no action enabled with jobs unfinished');
  }
  toString() {
    return this.v >= 0 ? `${this.name}(${this.i}, ${this.v})` : `${this.name}(${this.i})`;
  }
}
class Submit extends Base {
  check(m: Sys) {
    return m.R(this.i).sub < m.J && (m.v === 'B' || m.bo(this.i) !== 'EVICTING');
  }
  act(m: Sys) {
    if (m.v === 'A') {
      const k = m.R(this.i).sub;
      m.spawn(`p${this.i}.j${k}.finished`, dmaFenceMachine, {
        ops: 'sched.finished',
        context: 2 * this.i + 1,
        seqno: k + 1,
        published: true,
      });
    }
    m.send(`p${this.i}.ring`, { type: 'RW_SUBMIT' });
  }
}
class WriteUmf extends Base {
  check(m: Sys) {
    return this.i > 0 && m.R(this.i).done > 0 && m.snap(`p${this.i - 1}.umf`).value !== 'written';
  }
  act(m: Sys) {
    m.send(`p${this.i - 1}.umf`, { type: 'UMF_WRITE' });
  }
}
class TakeFree extends Base {
  check(m: Sys) {
    return m.needbo(this.i) && m.nres() < m.P - 1;
  }
  act(m: Sys) {
    m.send(`p${this.i}.bo`, { type: 'BO_MOVE_IN' });
  }
}
class Evict extends Base {
  check(m: Sys) {
    const v = this.v;
    return m.needbo(this.i) && m.nres() >= m.P - 1 && v !== this.i && m.bo(v) === 'RES' && !m.pin(v) && !m.busy(v);
  }
  act(m: Sys) {
    m.send(`p${this.v}.bo`, { type: 'BO_EVICT' });
    m.send(`p${this.i}.ring`, { type: 'RW_EVICT_WAIT', v: this.v });
    if (m.v === 'B' && m.R(this.v).act) {
      m.send(`p${this.v}.preempt`, { type: 'DMA_FENCE_ENABLE_SW_SIGNALING' });
      m.send(`p${this.v}.preempt`, { type: 'DMA_FENCE_PUBLISH' });
    }
  }
}
class FinishEvict extends Base {
  check(m: Sys) {
    const e = m.R(this.i).evf;
    return e >= 0 && (m.v === 'A' ? m.R(e).done === m.R(e).sub : m.ctx(e) !== 'PPEND');
  }
  act(m: Sys) {
    m.send(`p${m.R(this.i).evf}.bo`, { type: 'BO_MOVE_OUT' });
    m.send(`p${this.i}.bo`, { type: 'BO_MOVE_IN' });
    m.send(`p${this.i}.ring`, { type: 'RW_EVICT_DONE' });
  }
}
class Start extends Base {
  check(m: Sys) {
    return (
      m.headq(this.i) &&
      (m.v === 'A' ? m.umfok(this.i) && m.bo(this.i) !== 'NONRES' : m.bo(this.i) === 'RES' && m.ctx(this.i) === 'RUN')
    );
  }
  act(m: Sys) {
    m.send(`p${this.i}.ring`, { type: 'RW_START' });
    m.send(`p${this.i}.bo`, { type: 'BO_UNPIN' });
  }
}
class Resume extends Base {
  check(m: Sys) {
    return m.v === 'B' && m.ctx(this.i) === 'PREEMPTED' && m.bo(this.i) === 'RES';
  }
  act(m: Sys) {
    m.send(`p${this.i}.ctx`, { type: 'CTX_RESUME' });
    m.send(`p${this.i}.bo`, { type: 'BO_UNPIN' });
    m.spawnPf(this.i);
  }
}
class Complete extends Base {
  check(m: Sys) {
    return m.R(this.i).act && m.ctx(this.i) === 'RUN' && m.umfok(this.i);
  }
  act(m: Sys) {
    if (m.v === 'A') m.send(`p${this.i}.j${m.R(this.i).done}.finished`, { type: 'DMA_FENCE_SIGNAL' });
    m.send(`p${this.i}.ring`, { type: 'RW_COMPLETE' });
  }
}
class PreemptDone extends Base {
  check(m: Sys) {
    return m.v === 'B' && m.ctx(this.i) === 'PPEND';
  }
  act(m: Sys) {
    m.send(`p${this.i}.ctx`, { type: 'CTX_PREEMPT_DONE' });
  }
}

const cmdCache = new Map<string, Base[]>();
function allCommands(v: Variant, P: number): Base[] {
  const k = `${v}${P}`;
  let cs = cmdCache.get(k);
  if (!cs) {
    cs = [];
    for (let i = 0; i < P; i++) {
      cs.push(new Submit('submit', i), new WriteUmf('writeUmf', i), new TakeFree('takeFree', i));
      for (let x = 0; x < P; x++) if (x !== i) cs.push(new Evict('evict', i, x));
      cs.push(new FinishEvict('finishEvict', i), new Start('start', i));
      if (v === 'B') cs.push(new Resume('resume', i));
      cs.push(new Complete('complete', i));
      if (v === 'B') cs.push(new PreemptDone('preemptDone', i));
    }
    cmdCache.set(k, cs);
  }
  return cs;
}

export interface NaiveResult {
  runs: number;
  steps: number;
  ms: number;
  failed: boolean;
  firstFailureMs: number | null;
  counterexampleLength: number | null;
  violations: number;
}

/** Run the naive harness: `numRuns` runs of up to `maxCommands` commands (or until the first failure). */
export function runNaive(
  v: Variant,
  P: number,
  J: number,
  o: { numRuns: number; maxCommands: number; seed: number; timeLimitMs?: number; stopOnViolation?: boolean },
): NaiveResult {
  naiveStats.steps = 0;
  let violations = 0;
  let firstFailureMs: number | null = null;
  const t0 = performance.now();
  const arbs = allCommands(v, P).map((c) => fc.constant(c));
  const details = fc.check(
    fc.property(fc.commands(arbs, { maxCommands: o.maxCommands, size: 'max' }), (cmds) => {
      const s = new Sys(v, P, J);
      try {
        fc.modelRun(() => ({ model: s, real: s }), cmds);
      } catch (e) {
        if (firstFailureMs === null) firstFailureMs = performance.now() - t0;
        violations++;
        if (o.stopOnViolation !== false) throw e;
      } finally {
        s.stop();
      }
    }),
    { numRuns: o.numRuns, seed: o.seed, interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false },
  );
  const ms = performance.now() - t0;
  let len: number | null = null;
  if (details.failed && details.counterexample)
    len = [...(details.counterexample[0] as Iterable<{ hasRan: boolean }>)].filter((c) => c.hasRan).length;
  return {
    runs: details.numRuns,
    steps: naiveStats.steps,
    ms,
    failed: details.failed,
    firstFailureMs,
    counterexampleLength: len,
    violations,
  };
}

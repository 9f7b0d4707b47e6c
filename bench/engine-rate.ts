/**
 * Exhaustive states/s per design (issue 13.1's yardstick): `npx tsx bench/engine-rate.ts [--exact] D...`.
 * Every property the design declares is checked, as `check --engine exhaustive` does, but the search explores
 * every reachable state (exploreAll) at the design's exhaustive config, so the rate covers the whole graph.
 * A benchmark, not a test: it prints figures and asserts nothing.
 */
import { registry } from '../src/registry.ts';
import { Checker } from '../src/check.ts';
import { exploreExhaustive } from '../src/explore/exhaustive.ts';
import { engineDefaults, type EngineMode } from '../src/world/fast.ts';
import { engineFor } from '../src/explore/drain.ts';

const args = process.argv.slice(2);
const config = args.includes('--config') ? args[args.indexOf('--config') + 1] : undefined;
const max = args.includes('--max') ? Number(args[args.indexOf('--max') + 1]) : undefined;
const modes = (args.includes('--modes') ? args[args.indexOf('--modes') + 1] : 'traced').split(',') as EngineMode[];
const names = args.filter(
  (a, i) => !a.startsWith('--') && args[i - 1] !== '--config' && args[i - 1] !== '--modes' && args[i - 1] !== '--max',
);
const { designs, properties } = await registry();
for (const n of names) {
  const d = designs.get(n);
  if (!d) throw new Error(`unknown design ${n}`);
  for (const mode of modes) {
    engineDefaults.mode = mode;
    const cname = config ?? d.bounds.exhaustive.config;
    const cfg = d.configs[cname];
    const ps = Object.keys(d.expect).filter((p) => d.expect[p].verdict !== 'n/a');
    const checker = new Checker(
      d,
      cfg,
      ps.map((p) => properties.get(p)!),
    );
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = exploreExhaustive(d, cfg, checker, ps, {
      maxDepth: d.bounds.exhaustive.depth,
      maxStates: max ?? d.bounds.exhaustive.maxStates ?? 1_000_000,
      exploreAll: true,
      budgetMs: 120_000,
    });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    console.log(
      `${n.padEnd(24)} ${cname.padEnd(8)} states ${String(r.states).padStart(9)} transitions ` +
        `${String(r.transitions).padStart(9)} ${r.stoppedBy.padEnd(9)} ${(ms / 1000).toFixed(1).padStart(6)} s ` +
        `${Math.round(r.states / (ms / 1000))
          .toString()
          .padStart(8)} states/s wall ` +
        `${Math.round(r.states / (cpu / 1000))
          .toString()
          .padStart(8)} states/s cpu ${mode.padEnd(8)} ` +
        `${JSON.stringify(engineFor(d, cfg).traceStats)} found ${r.found.map((f) => f.property).join(',')}`,
    );
    if (process.env.FC_PROF)
      console.log(
        [...engineFor(d, cfg).profile]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 400)
          .map(([k, v]) => `  ${v} ${k}`)
          .join('\n'),
      );
  }
}

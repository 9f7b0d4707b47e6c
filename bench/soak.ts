/**
 * Soak (issue 14.9): every design whose expected verdicts are all 'holds' (or 'n/a': a property that
 * does not apply, with its reason, is not checked) is run for 10^6 random steps
 * in total, seeded and sharded by design (each gets an equal share of the steps, on its random-engine
 * config and depth), and the soak fails on any violation: intact designs must raise no false alarm.
 * Not part of `npm test` (minutes, not seconds).
 *
 *   npx tsx bench/soak.ts [--steps N] [--seed S] [--design D]...
 *
 * Exit 0: no violation; 1: a violation (the design, property, seed and trace length are printed);
 * 2: bad flags. Same flags, same figures (except the times).
 */
import { registry } from '../src/registry.ts';
import { Checker } from '../src/check.ts';
import { exploreRandom } from '../src/explore/random.ts';

function flags(argv: string[]) {
  const o = { steps: 1_000_000, seed: 1, designs: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    const num = (max: number) => {
      if (!v || !/^\d{1,16}$/.test(v) || Number(v) > max)
        throw new Error(`${k} takes a whole number up to ${max}, got '${v ?? ''}'`);
      i++;
      return Number(v);
    };
    if (k === '--steps') o.steps = num(Number.MAX_SAFE_INTEGER);
    else if (k === '--seed') o.seed = num(2 ** 32 - 1);
    else if (k === '--design' && v) {
      o.designs.push(v);
      i++;
    } else throw new Error(`unknown flag '${k}' (flags: --steps N, --seed S, --design D)`);
  }
  return o;
}

async function main(): Promise<number> {
  let o: ReturnType<typeof flags>;
  try {
    o = flags(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).message}\n`);
    return 2;
  }
  const { designs, properties } = await registry();
  for (const n of o.designs)
    if (!designs.has(n)) {
      process.stderr.write(`soak: unknown design '${n}'\n`);
      return 2;
    }
  const intact = [...designs.values()].filter(
    (d) =>
      (!o.designs.length || o.designs.includes(d.name)) &&
      Object.values(d.expect).some((e) => e.verdict === 'holds') &&
      Object.values(d.expect).every((e) => e.verdict === 'holds' || e.verdict === 'n/a'),
  );
  if (!intact.length) {
    process.stderr.write('soak: no design whose expected verdicts are all holds\n');
    return 2;
  }
  const share = Math.ceil(o.steps / intact.length);
  console.log(
    `soak: ${o.steps} random steps over ${intact.length} designs whose verdicts are all 'holds' (or n/a) ` +
      `(${share} each), seed ${o.seed}`,
  );
  let violations = 0,
    total = 0;
  const t0 = Date.now();
  for (const [i, d] of intact.entries()) {
    const b = d.bounds.random;
    const cfg = d.configs[b.config];
    const names = Object.keys(d.expect)
      .filter((n) => d.expect[n].verdict === 'holds')
      .sort();
    const checker = new Checker(
      d,
      cfg,
      names.map((n) => properties.get(n)!),
    );
    let steps = 0,
      runs = 0,
      batch = 0,
      idle = 0;
    const t = Date.now();
    // Batches of runs with their own seed (the shard: design index, batch), until the share is taken.
    while (steps < share) {
      const runsLeft = Math.max(1, Math.ceil((share - steps) / b.depth));
      const seed = (o.seed + i * 1_000_003 + batch * 7919) >>> 0;
      const r = exploreRandom(d, cfg, checker, names, { runs: Math.min(runsLeft, 500), depth: b.depth, seed });
      steps += r.steps;
      runs += r.runs;
      batch++;
      for (const f of r.found) {
        violations++;
        console.log(
          `VIOLATION ${d.name} / ${f.property}: ${f.message} (seed ${f.seed}, ${f.actions.length}-step trace)`,
        );
      }
      idle = r.steps === 0 ? idle + 1 : 0;
      if (r.found.length || idle >= 100) break; // a design with no enabled step cannot take its share
    }
    total += steps;
    console.log(
      `  ${d.name.padEnd(28)} ${String(runs).padStart(6)} runs  ${String(steps).padStart(8)} steps  ` +
        `${names.length} properties  ${Date.now() - t} ms`,
    );
  }
  console.log(
    `soak: ${total} steps in ${Math.round((Date.now() - t0) / 1000)} s; ` +
      `${violations ? `${violations} VIOLATIONS` : 'no violation'}`,
  );
  return violations ? 1 : 0;
}

main().then(
  (c) => {
    process.exitCode = c;
  },
  (e) => {
    process.stderr.write(`soak: internal error: ${e?.stack ?? e}\n`);
    process.exitCode = 4;
  },
);

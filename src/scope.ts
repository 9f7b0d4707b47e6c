/**
 * Scopes (issue 11.1): a design's named configs are its CONSTANTS, as a TLA+ model's are. `--config NAME`
 * picks one for both engines; `--set key=value` overrides one of its values, typed by the value it
 * replaces (a number stays a whole number within bounds, a boolean stays a boolean, a string one of
 * the design's own strings where the key names a policy). A cell states its config and scope.
 */
import type { Design } from '../models/design.ts';
import type { Json, World } from '../models/world.ts';
import type { Property } from '../properties/property.ts';
import { InputError } from './errors.ts';
import { enabledActions } from './world/steps.ts';

/** A `--set` value may grow a number this far past the largest value the design itself uses. */
const SET_LIMIT = 64;

/** The config `name` of `d` with the `set` overrides applied; every problem is one InputError line. */
export function resolveConfig(d: Design, name: string, set: Record<string, string> = {}): unknown {
  if (!Object.hasOwn(d.configs, name))
    throw new InputError(`design '${d.name}' has no config '${name}'; it has: ${Object.keys(d.configs).join(', ')}`);
  const base = d.configs[name] as Record<string, Json>;
  const keys = Object.keys(set);
  if (!keys.length) return base;
  const out: Record<string, Json> = { ...base };
  const settable = Object.keys(base).filter((k) => ['number', 'boolean', 'string'].includes(typeof base[k]));
  for (const k of keys) {
    const cur = base[k];
    const v = set[k];
    if (!Object.hasOwn(base, k) || !settable.includes(k))
      throw new InputError(
        `--set ${k}: design '${d.name}' config '${name}' has no such value; settable: ${settable.join(', ') || 'none'}`,
      );
    if (typeof cur === 'number') {
      const max = Math.max(SET_LIMIT, ...Object.values(d.configs).map((c) => Number((c as any)[k]) || 0));
      if (!/^\d{1,9}$/.test(v) || Number(v) > max)
        throw new InputError(`--set ${k}: takes a whole number from 0 to ${max}, got '${v.slice(0, 40)}'`);
      out[k] = Number(v);
    } else if (typeof cur === 'boolean') {
      if (v !== 'true' && v !== 'false')
        throw new InputError(`--set ${k}: takes true or false, got '${v.slice(0, 40)}'`);
      out[k] = v === 'true';
    } else {
      const known = [...new Set(Object.values(d.configs).map((c) => (c as any)[k]))].filter(
        (x) => typeof x === 'string',
      );
      if (!known.includes(v))
        throw new InputError(`--set ${k}: takes one of ${known.join(', ')}, got '${v.slice(0, 40)}'`);
      out[k] = v;
    }
  }
  return out;
}

/**
 * What a verdict's scope is, in one flat object: the config's numbers, booleans and strings, and the
 * length of each list (a script of 3 processes reads `scripts: 3`).
 */
export function scopeOf(cfg: unknown): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (!cfg || typeof cfg !== 'object') return out;
  for (const [k, v] of Object.entries(cfg as Record<string, unknown>)) {
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.length;
  }
  return out;
}

/** The probe: this many runs of up to this many steps, each choosing actions in a fixed rotation. */
const PROBE_RUNS = 3;
const PROBE_DEPTH = 40;
const kindsMemo = new WeakMap<Design, Set<string>>();

/**
 * The machine kinds a design's world holds (issue 14.2: a property applies to every design whose world
 * has a kind it `needs`): the kinds of every config's initial world, and of the objects its small
 * config spawns along PROBE_RUNS deterministic runs (jobs, fences, chain nodes are spawned by steps;
 * runs go deeper than a breadth-first probe of the same cost).
 */
export function designKinds(d: Design): Set<string> {
  let ks = kindsMemo.get(d);
  if (ks) return ks;
  const out = new Set<string>();
  const add = (w: World) => {
    for (const id of Object.keys(w.o)) out.add(w.o[id].machine.id);
  };
  for (const cfg of Object.values(d.configs)) add(d.init(cfg));
  const cfg = d.configs.small ?? Object.values(d.configs)[0];
  for (let r = 0; r < PROBE_RUNS; r++) {
    let w = d.init(cfg);
    for (let n = 0; n < PROBE_DEPTH; n++) {
      const acts = enabledActions(d, cfg, w);
      if (!acts.length) break;
      w = acts[(r + n * (2 * r + 1)) % acts.length].next;
      add(w);
    }
  }
  ks = out;
  kindsMemo.set(d, ks);
  return ks;
}

/** Does property `p` apply to design `d`: declared by it, or (by `needs`) observing a kind its world has. */
export function applies(p: Property, d: Design): boolean {
  if (Object.hasOwn(d.expect, p.name)) return true;
  if (p.appliesTo) return p.appliesTo(d);
  if (!p.needs?.length) return false;
  const ks = designKinds(d);
  return p.needs.some((need) => need.split('+').every((k) => ks.has(k)));
}

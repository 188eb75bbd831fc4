/**
 * npx tsx scripts/profile-summary.ts <file.cpuprofile> [--top N] [--focus substring]
 *
 * Summarises a `node --cpu-prof` profile the way docs/benchmarks.md quotes them: self time by
 * package or source file, the top functions by self time, and (with --focus) the inclusive time
 * of every function whose name or file holds the substring.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, focus: { type: 'string', multiple: true } },
});
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (url: string) => {
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const s = /\/(src|bench|test)\/(.*)$/.exec(url);
  if (s) return `${s[1]}/${s[2]}`;
  if (url.startsWith('node:')) return url;
  return url;
};
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)}%`;
const ms = (t: number) => `${(t / 1000).toFixed(0).padStart(7)} ms`;

const byPlace = new Map<string, number>();
const byFn = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  byPlace.set(where(n.callFrame.url), (byPlace.get(where(n.callFrame.url)) ?? 0) + t);
  const key = n.callFrame.url ? label(n) : n.callFrame.functionName;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
}
const top = Number(values.top);
console.log(`profile ${positionals[0]}: ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nself time by place');
for (const [k, t] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)} ${ms(t)}  ${k}`);
console.log('\nself time by function');
for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)} ${ms(t)}  ${k}`);

for (const focus of values.focus ?? []) {
  // Inclusive time: every sample whose stack holds a matching frame, counted once per sample.
  const incl = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      const l = label(n);
      if (!seen.has(l) && l.includes(focus)) {
        seen.add(l);
        incl.set(l, (incl.get(l) ?? 0) + (profile.timeDeltas[i] ?? 0));
      }
    }
  }
  console.log(`\ninclusive time, frames matching "${focus}"`);
  for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)} ${ms(t)}  ${k}`);
}

/**
 * npm run fixtures -- [--patients N] [--seed S] [--out DIR]
 *
 * Writes the synthetic region: one transaction Bundle per source (<source-id>.json),
 * plus manifest.json, people.json and truth.json. The same N and seed always give
 * byte-identical files.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateRegion, type Region, type SourceFile } from '../synthetic/index.js';

const USAGE = 'usage: npm run fixtures -- [--patients N] [--seed S] [--out DIR]   (defaults: 1000 patients, seed 42, fixtures/generated)';
const MAX_PATIENTS = 100_000;
const MAX_SEED = 4_294_967_295;

export interface FixtureOptions {
  patients: number;
  seed: number;
  out: string;
}

export type ParsedArgs = { ok: true; options: FixtureOptions } | { ok: false; help: boolean; message: string };

function wholeNumber(text: string): number | undefined {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

export function parseFixtureArgs(argv: readonly string[]): ParsedArgs {
  let values: { patients?: string | undefined; seed?: string | undefined; out?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { patients: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    return { ok: false, help: false, message: err instanceof Error ? err.message : String(err) };
  }
  if (values.help) return { ok: false, help: true, message: USAGE };
  const patients = wholeNumber(values.patients ?? '1000');
  if (patients === undefined || patients < 1 || patients > MAX_PATIENTS) {
    return { ok: false, help: false, message: `--patients must be a whole number from 1 to ${MAX_PATIENTS}, got "${values.patients ?? ''}"` };
  }
  const seed = wholeNumber(values.seed ?? '42');
  if (seed === undefined || seed > MAX_SEED) {
    return { ok: false, help: false, message: `--seed must be a whole number from 0 to ${MAX_SEED}, got "${values.seed ?? ''}"` };
  }
  const out = values.out ?? 'fixtures/generated';
  if (out.trim() === '') return { ok: false, help: false, message: '--out must name a directory' };
  return { ok: true, options: { patients, seed, out } };
}

/**
 * Streams the bundle entry by entry: a large payer bundle at N=10,000 is
 * hundreds of MB, close to V8's maximum string length. The bytes equal
 * JSON.stringify(bundle) because `entry` is the bundle's last key.
 */
function writeBundle(path: string, bundle: SourceFile['bundle']): void {
  const { entry = [], ...rest } = bundle;
  const keys = Object.keys(bundle);
  if (keys[keys.length - 1] !== 'entry') {
    writeFileSync(path, JSON.stringify(bundle));
    return;
  }
  const head = JSON.stringify({ ...rest, entry: [] });
  const fd = openSync(path, 'w');
  try {
    let chunk = head.slice(0, -2);
    for (let i = 0; i < entry.length; i++) {
      chunk += (i === 0 ? '' : ',') + JSON.stringify(entry[i]);
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, `${chunk}]}`);
  } finally {
    closeSync(fd);
  }
}

export function writeRegionFiles(region: Region, dir: string): { files: number; resources: number } {
  mkdirSync(dir, { recursive: true });
  let resources = 0;
  for (const source of region.sources) {
    writeBundle(join(dir, source.fileName), source.bundle);
    resources += source.bundle.entry?.length ?? 0;
  }
  writeFileSync(join(dir, 'people.json'), JSON.stringify(region.people, null, 2));
  writeFileSync(join(dir, 'truth.json'), JSON.stringify(region.truth));
  // The manifest goes last: its presence says the set is complete.
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(region.manifest, null, 2));
  return { files: region.sources.length + 3, resources };
}

export function main(argv: readonly string[]): number {
  const parsed = parseFixtureArgs(argv);
  if (!parsed.ok) {
    console.error(parsed.help ? parsed.message : `fixtures: ${parsed.message}\n${USAGE}`);
    return parsed.help ? 0 : 2;
  }
  const { patients, seed, out } = parsed.options;
  const started = performance.now();
  const region = generateRegion({ patients, seed });
  const { files, resources } = writeRegionFiles(region, resolve(out));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `Wrote ${files} files (${region.sources.length} bundles + manifest, people, truth) with ${resources} resources for ${patients} patients, seed ${seed}, to ${out} in ${seconds} s`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}

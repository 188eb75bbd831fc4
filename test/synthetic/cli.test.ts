import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFixtureArgs, writeRegionFiles } from '../../src/cli/fixtures.js';
import { generateRegion } from '../../src/synthetic/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-fixtures-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/fixtures.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('fixtures CLI arguments', () => {
  it('defaults to 1000 patients, seed 42, fixtures/generated', () => {
    expect(parseFixtureArgs([])).toEqual({ ok: true, options: { patients: 1000, seed: 42, out: 'fixtures/generated' } });
    expect(parseFixtureArgs(['--patients', '5', '--seed=0', '--out', 'x'])).toEqual({ ok: true, options: { patients: 5, seed: 0, out: 'x' } });
  });

  it.each([
    [['--patients', 'abc'], /--patients/],
    [['--patients', '0'], /--patients/],
    [['--patients', '2.5'], /--patients/],
    [['--patients', '-3'], /--patients/],
    [['--seed', 'forty-two'], /--seed/],
    [['--seed=-1'], /--seed/],
    [['--seed', '4294967296'], /--seed/],
    [['--out', ''], /--out/],
    [['--bogus'], /bogus/],
    [['--patients'], /patients/],
  ])('rejects %j', (args, message) => {
    const parsed = parseFixtureArgs(args);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it('exits with status 2 and a message on stderr for bad arguments', () => {
    const bad = run(['--patients', 'lots']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--patients must be a whole number/);
    expect(bad.stdout).toBe('');
    const seed = run(['--seed', '1.5']);
    expect(seed.status).toBe(2);
    expect(seed.stderr).toMatch(/--seed must be a whole number/);
  });
});

describe('fixtures CLI output', () => {
  it('writes one bundle per source plus manifest, people and truth, and prints a summary', () => {
    const out = join(tempDir(), 'nested', 'region');
    const result = run(['--patients', '12', '--seed', '4', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/Wrote 14 files .* with \d+ resources for 12 patients, seed 4/);
    const files = readdirSync(out).sort();
    const region = generateRegion({ patients: 12, seed: 4 });
    expect(files).toEqual([...region.sources.map((s) => s.fileName), 'manifest.json', 'people.json', 'truth.json'].sort());
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual(region.manifest);
    const total = manifest.files.reduce((n: number, f: { resources: Record<string, number> }) => n + Object.values(f.resources).reduce((a, b) => a + b, 0), 0);
    expect(result.stdout).toContain(`with ${total} resources`);
  });

  it('writes compact bundles byte-identical to JSON.stringify, and identical files on every run', () => {
    const region = generateRegion({ patients: 40, seed: 9 });
    const a = tempDir();
    const b = tempDir();
    writeRegionFiles(region, a);
    writeRegionFiles(generateRegion({ patients: 40, seed: 9 }), b);
    for (const s of region.sources) {
      const text = readFileSync(join(a, s.fileName), 'utf8');
      expect(text).toBe(JSON.stringify(s.bundle));
      expect(readFileSync(join(b, s.fileName), 'utf8')).toBe(text);
    }
    for (const name of ['manifest.json', 'people.json', 'truth.json']) {
      expect(readFileSync(join(b, name), 'utf8')).toBe(readFileSync(join(a, name), 'utf8'));
    }
    expect(JSON.parse(readFileSync(join(a, 'truth.json'), 'utf8'))).toEqual(region.truth);
    expect(JSON.parse(readFileSync(join(a, 'people.json'), 'utf8'))).toEqual(region.people);
  });

  it('overwrites files already in the output directory', () => {
    const dir = tempDir();
    writeRegionFiles(generateRegion({ patients: 30, seed: 1 }), dir);
    const smaller = generateRegion({ patients: 5, seed: 2 });
    writeRegionFiles(smaller, dir);
    for (const s of smaller.sources) expect(readFileSync(join(dir, s.fileName), 'utf8')).toBe(JSON.stringify(s.bundle));
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toMatchObject({ patients: 5, seed: 2 });
  });
});

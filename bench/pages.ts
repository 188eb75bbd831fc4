/**
 * npm run bench:pages [-- --patients N --rounds R]
 *
 * The clinician's record summary (issue 17) against the record page it replaced as the first
 * screen, in one run, alternating rounds, over loopback with one signed-in session (dr.chen) on a
 * gateway started as `npm start` starts it:
 * - ours: GET /clinician/patients/{Maria} (her $everything, her open care gaps, the summary,
 *   trends and charts' data, rendered);
 * - baseline: GET /clinician/patients/{Maria}/visits (the same $everything grouped by visit and
 *   by source, as the record page was before).
 * Prints p50 and mean per page and their ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UserAgent } from '../src/cli/login-driver.js';
import { startProcess } from '../test/helpers/process.js';

const { values } = parseArgs({ options: { patients: { type: 'string', default: '300' }, rounds: { type: 'string', default: '15' } } });
const MARIA = 'clinic-oak-pat-000001';
const work = mkdtempSync(join(tmpdir(), 'cg-bench-pages-'));
const started = await startProcess(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
  env: {
    PORT: '0',
    DATA_DIR: join(work, 'data'),
    KEYS_DIR: join(work, 'keys'),
    FIXTURES_DIR: join(work, 'fixtures'),
    FIXTURE_PATIENTS: values.patients!,
    DEMO_FEED_SECONDS: '0',
  },
  ready: /Press Ctrl\+C to stop/,
  timeoutMs: 300_000,
});
const gw = { base: /FHIR base\s+(\S+)/.exec(started.output())![1]!.replace(/\/fhir$/, '') };
try {
  const agent = new UserAgent();
  const callback = `${gw.base}/clinician/callback`;
  const login = await agent.follow(`${gw.base}/clinician/login`, callback);
  const next = await agent.submit(login.url, await login.response!.text(), /\/login/, { username: 'dr.chen', password: 'consent-gateway-dev' }, callback);
  const done = next.url.startsWith(callback) ? next : await agent.submit(next.url, await next.response!.text(), /\/confirm/, {}, callback);
  await agent.fetch(done.url);

  const time = async (path: string) => {
    const t = performance.now();
    const res = await agent.fetch(`${gw.base}${path}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    return { ms: performance.now() - t, bytes: body.length };
  };
  const pages = { summary: `/clinician/patients/${MARIA}`, visits: `/clinician/patients/${MARIA}/visits` };
  const times: Record<keyof typeof pages, number[]> = { summary: [], visits: [] };
  const sizes: Record<keyof typeof pages, number> = { summary: 0, visits: 0 };
  for (const p of Object.keys(pages) as (keyof typeof pages)[]) await time(pages[p]); // warm-up
  for (let i = 0; i < Number(values.rounds); i++) {
    const order = (i % 2 === 0 ? ['summary', 'visits'] : ['visits', 'summary']) as (keyof typeof pages)[];
    for (const p of order) {
      const { ms, bytes } = await time(pages[p]);
      times[p].push(ms);
      sizes[p] = bytes;
    }
  }
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`clinician record pages, ${values.patients} patients, ${values.rounds} alternating rounds, one session`);
  for (const p of Object.keys(pages) as (keyof typeof pages)[])
    console.log(
      `  ${p === 'summary' ? 'ours (summary)  ' : 'baseline (visits)'}  p50 ${p50(times[p]).toFixed(1)} ms  mean ${mean(times[p]).toFixed(1)} ms  ${(sizes[p] / 1024).toFixed(0)} KiB`,
    );
  console.log(`  ratio (p50): ${(p50(times.summary) / p50(times.visits)).toFixed(2)}×`);
} finally {
  await started.stop();
  rmSync(work, { recursive: true, force: true });
}

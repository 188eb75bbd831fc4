import { join } from 'node:path';
import { suiteDir } from './db.js';
import { startProcess, type Started } from './process.js';

export interface Gateway {
  base: string;
  fhir: string;
  issuer: string;
  dir: string;
  keysDir: string;
  fixturesDir: string;
  dataDir: string;
  process: Started;
  stop: () => Promise<void>;
}

/** A real gateway process (`src/entry/node.ts`, as `npm start` runs it) on a free loopback port, with its own data. */
export async function startGateway(opts: { patients?: number; env?: Record<string, string> } = {}): Promise<Gateway> {
  const dir = suiteDir('cg-gw-');
  const env = {
    PORT: '0',
    DATA_DIR: join(dir.path, 'data'),
    KEYS_DIR: join(dir.path, 'keys'),
    FIXTURES_DIR: join(dir.path, 'fixtures'),
    FIXTURE_PATIENTS: String(opts.patients ?? 30),
    FIXTURE_SEED: '7',
    // The live demo feed writes while a test reads; a test that wants it passes DEMO_FEED_SECONDS.
    DEMO_FEED_SECONDS: '0',
    ...opts.env,
  };
  const started = await startProcess(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], { env, ready: /Press Ctrl\+C to stop/, timeoutMs: 90_000 });
  const fhir = /FHIR base\s+(\S+)/.exec(started.output())![1]!;
  const base = fhir.replace(/\/fhir$/, '');
  return {
    base,
    fhir,
    issuer: `${base}/oidc`,
    dir: dir.path,
    keysDir: env.KEYS_DIR,
    fixturesDir: env.FIXTURES_DIR,
    dataDir: env.DATA_DIR,
    process: started,
    stop: async () => {
      await started.stop();
      dir.remove();
    },
  };
}

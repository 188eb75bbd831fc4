import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSigningKey } from '../../src/entry/keys-on-disk.js';
import { suiteDir } from '../helpers/db.js';
import { startProcess } from '../helpers/process.js';

/** Runs `npm start`'s command to its exit (killed after `timeoutMs`, which counts as a failure to say anything). */
function startToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
    env: { ...process.env, GATEWAY_ENV: 'production', PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The operator's view: a non-zero exit, the sentence, and not one stack-trace line. */
async function expectOneSentence(env: Record<string, string>, sentence: RegExp): Promise<string> {
  const { code, stderr } = await startToExit(env);
  expect(code, stderr).not.toBe(0);
  expect(code, stderr).not.toBeNull();
  expect(stderr).toMatch(sentence);
  expect(stderr).not.toMatch(/^\s+at /m);
  return stderr;
}

describe('npm start refuses to start with one sentence, never a stack trace', () => {
  let dir: ReturnType<typeof suiteDir>;
  let keysDir: string;
  let n = 0;
  const fresh = (name: string) => join(dir.path, `${name}-${++n}`);

  beforeAll(async () => {
    dir = suiteDir('cg-start-fail-');
    keysDir = join(dir.path, 'keys');
    await addSigningKey(keysDir, new Date());
  });
  afterAll(() => dir?.remove());

  it('when the port is in use', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const { port } = holder.address() as { port: number };
    try {
      await expectOneSentence(
        { PORT: String(port), DATA_DIR: fresh('data'), KEYS_DIR: keysDir },
        new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port} because another process is using that port; .*set PORT`),
      );
    } finally {
      holder.close();
    }
  });

  it('when DATA_DIR is a file, or lies under one', async () => {
    const file = fresh('file');
    writeFileSync(file, 'not a directory');
    await expectOneSentence(
      { DATA_DIR: file, KEYS_DIR: keysDir },
      /DATA_DIR \(.*\) is a file, or is inside one, where a directory is needed; set DATA_DIR to a directory/,
    );
    await expectOneSentence({ DATA_DIR: join(file, 'data'), KEYS_DIR: keysDir }, /DATA_DIR \(.*\) is a file, or is inside one/);
  });

  // Tests run as root, whom chmod does not stop; these places refuse even root. Under /proc,
  // Node's own recursive mkdir used to spin forever, so the start-up hung instead of failing.
  it.runIf(existsSync('/proc/self'))('when DATA_DIR cannot be written: under /proc, and /proc itself', async () => {
    await expectOneSentence(
      { DATA_DIR: '/proc/consent-gateway-test/data', KEYS_DIR: keysDir },
      /The gateway cannot create or write files in DATA_DIR \(\/proc\/consent-gateway-test\/data\); set DATA_DIR to a directory this user can write to/,
    );
    await expectOneSentence({ DATA_DIR: '/proc', KEYS_DIR: keysDir }, /cannot create or write files in DATA_DIR/);
  });

  it.runIf(existsSync('/sys/fs'))('when DATA_DIR cannot be written: on sysfs, which refuses new files', async () => {
    await expectOneSentence(
      { DATA_DIR: '/sys/fs/consent-gateway-test', KEYS_DIR: keysDir },
      /cannot create or write files in DATA_DIR \(\/sys\/fs\/consent-gateway-test\)/,
    );
  });

  it('when the database file is corrupt', async () => {
    const data = fresh('data');
    mkdirSync(data);
    writeFileSync(join(data, 'gateway.db'), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
    await expectOneSentence(
      { DATA_DIR: data, KEYS_DIR: keysDir },
      /The database file .*gateway\.db in DATA_DIR is damaged or is not a SQLite database; restore it from a backup/,
    );
  });

  it('when a signing key file is corrupt', async () => {
    const keys = fresh('keys');
    mkdirSync(keys);
    writeFileSync(join(keys, 'signing-abc.private.json'), '{"kid": "abc", "privateJwk": ');
    await expectOneSentence(
      { DATA_DIR: fresh('data'), KEYS_DIR: keys },
      /The signing key file .*signing-abc\.private\.json in KEYS_DIR is damaged or is not a signing key/,
    );
  });

  it('in production with no signing key: says to create one, and creates none', async () => {
    const keys = fresh('keys');
    await expectOneSentence(
      { DATA_DIR: fresh('data'), KEYS_DIR: keys },
      /There is no signing key in KEYS_DIR \(.*\), and in production the gateway does not make one by itself; .*`npm run keys:rotate`/,
    );
    expect(existsSync(keys) ? readdirSync(keys).filter((f) => f.startsWith('signing-')) : []).toEqual([]);
  });
});

describe('npm start in production with rotated keys', () => {
  it('publishes a key retired long ago, marked verification-only, beside the signing key', async () => {
    const dir = suiteDir('cg-start-keys-');
    const keysDir = join(dir.path, 'keys');
    const year = 365 * 24 * 3600_000;
    const old = await addSigningKey(keysDir, new Date(Date.now() - 2 * year));
    const newest = await addSigningKey(keysDir, new Date(Date.now() - year));
    const gateway = await startProcess(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
      env: { GATEWAY_ENV: 'production', PORT: '0', DATA_DIR: join(dir.path, 'data'), KEYS_DIR: keysDir },
      ready: /Press Ctrl\+C to stop/,
    });
    try {
      const issuer = /OIDC issuer\s+(\S+)\/\.well-known/.exec(gateway.output())![1]!;
      const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string; key_ops?: string[]; d?: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([newest.kid, old.kid]);
      expect(jwks.keys[0]!.key_ops).toBeUndefined();
      expect(jwks.keys[1]!.key_ops).toEqual(['verify']);
      expect(jwks.keys.some((k) => 'd' in k)).toBe(false);
      expect(readdirSync(keysDir)).toContain(`signing-${old.kid}.private.json`);
    } finally {
      await gateway.stop();
      dir.remove();
    }
  });
});

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PolicyTexts } from '../consent/policies.js';

const dir = fileURLToPath(new URL('../../policies/', import.meta.url));

/** The auditable policy files, read from policies/ as they are in the repository. */
export async function readPolicyFiles(): Promise<PolicyTexts> {
  const read = (name: string) => readFile(`${dir}${name}`, 'utf8');
  return { consentModel: await read('consent.conf'), duaModel: await read('dua.conf'), duas: await read('duas.csv'), defaults: await read('defaults.json') };
}

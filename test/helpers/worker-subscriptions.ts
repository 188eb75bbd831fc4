/**
 * Steps of a notification scenario on the Worker (test/helpers/wrangler.ts): the region's few
 * resources, a patient's break-the-glass subscription, a clinician's grant, and a read-only look
 * at the local D1 file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import { SECRET_URL, subscriptionBody } from './subscriber.js';
import { clinicianClaims, sourceClaims } from './tokens.js';
import type { LocalWorkers } from './wrangler.js';

export function fhirClient(w: LocalWorkers) {
  return (base: string, path: string, token: string, body?: object, method?: string) =>
    w.fetch(`${base}/fhir/${path}`, {
      method: method ?? (body ? 'POST' : 'GET'),
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
}

export async function seed(w: LocalWorkers, patients: string[]): Promise<{ clinician: string }> {
  const source = await w.issuer.mint(sourceClaims('urn:test:worker'));
  for (const [type, id] of [...patients.map((p) => ['Patient', p] as const), ['Organization', 'clinic-oak-org'] as const, ['Practitioner', 'dr-q'] as const]) {
    const res = await w.fetch(`${w.primary}/fhir/${type}/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${source}` },
      body: JSON.stringify({ resourceType: type, id, meta: { source: 'urn:test:worker' } }),
    });
    expect(res.status).toBeLessThan(300);
  }
  return { clinician: await w.issuer.mint(clinicianClaims('dr.q', 'dr-q', { purpose_of_use: ['ETREAT'] }), 3600) };
}

export async function subscribe(w: LocalWorkers, token: string, url: string, opts: { timeout?: number; maxCount?: number } = {}) {
  const res = await fhirClient(w)(w.primary, 'Subscription', token, subscriptionBody(url, opts));
  expect(res.status, await res.clone().text()).toBe(201);
  const sub = (await res.json()) as { id: string; status: string; extension: { url: string; valueString: string }[] };
  return { id: sub.id, status: sub.status, webhook: new Webhook(sub.extension.find((e) => e.url === SECRET_URL)!.valueString) };
}

export async function breakGlass(w: LocalWorkers, base: string, clinician: string, patient: string): Promise<string> {
  const res = await fhirClient(w)(base, `Patient/${patient}/$break-the-glass`, clinician, {
    resourceType: 'Parameters',
    parameter: [{ name: 'reason', valueString: 'unconscious in the ED' }],
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const grant = ((await res.json()) as { parameter: { name: string; valueString?: string }[] }).parameter.find((p) => p.name === 'grant')!.valueString!;
  return `break-glass-${grant.slice('break-glass/'.length)}`;
}

/** The local D1's SQLite file (read-only look at what the gateway stored). */
export function d1(w: LocalWorkers): Database.Database {
  const dir = join(w.doDir, '..', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(dir).find((f) => f.endsWith('.sqlite'));
  if (!file) throw new Error('no D1 file');
  return new Database(join(dir, file), { readonly: true, fileMustExist: true });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

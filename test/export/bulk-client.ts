import { expect } from 'vitest';
import type { scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
const BASE = 'http://gateway.test';
const local = (url: string) => url.replace(BASE, '');

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count?: number }[];
  error: { type: string; url: string; count?: number }[];
}

/**
 * A Bulk Data client as the IG's text describes it: kick-off with Prefer: respond-async and
 * Accept: application/fhir+json, poll the Content-Location until 200, then download each file.
 */
export async function kickOff(s: Scenario, token: string, path: string, headers: Record<string, string> = {}) {
  return s.get(path, token, { prefer: 'respond-async', accept: 'application/fhir+json', ...headers });
}

export async function poll(s: Scenario, token: string, statusUrl: string): Promise<Response> {
  let status = await s.get(local(statusUrl), token);
  for (let i = 0; i < 100 && status.status === 202; i++) {
    expect(status.headers.get('x-progress')).toBeTruthy();
    expect(status.headers.get('retry-after')).toMatch(/^\d+$/);
    await new Promise((r) => setTimeout(r, 20));
    status = await s.get(local(statusUrl), token);
  }
  return status;
}

export async function manifestOf(s: Scenario, token: string, kick: Response): Promise<{ statusUrl: string; manifest: Manifest; status: Response }> {
  expect(kick.status).toBe(202);
  const statusUrl = kick.headers.get('content-location')!;
  const status = await poll(s, token, statusUrl);
  expect(status.status).toBe(200);
  expect(status.headers.get('content-type')).toMatch(/^application\/json/);
  return { statusUrl, manifest: (await status.clone().json()) as Manifest, status };
}

/** Every line of one file, parsed. */
export async function download(s: Scenario, token: string, url: string): Promise<Record<string, unknown>[]> {
  const res = await s.get(local(url), token, { accept: 'application/fhir+ndjson' });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Kick-off to files: each output type's resources, and the manifest. */
export async function runExport(s: Scenario, token: string, path: string, headers: Record<string, string> = {}) {
  const { manifest, statusUrl } = await manifestOf(s, token, await kickOff(s, token, path, headers));
  const files: Record<string, Record<string, unknown>[]> = {};
  for (const out of manifest.output) files[out.type] = [...(files[out.type] ?? []), ...(await download(s, token, out.url))];
  return { manifest, statusUrl, files };
}

export const ids = (rows: readonly Record<string, unknown>[] | undefined) => (rows ?? []).map((r) => r.id as string).sort();

/** The same instant written with another UTC offset, to the second: `+05:00` or `-05:00`. */
export function withOffset(instant: Date, minutes: number): string {
  const shifted = new Date(instant.getTime() + minutes * 60_000).toISOString().slice(0, 19);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${shifted}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

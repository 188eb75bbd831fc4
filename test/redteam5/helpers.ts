import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { clinicianClaims, OPERATOR_CLAIMS, patientClaims, sourceClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';

export const SOURCE = 'urn:test:worker';

export interface Verdict {
  intact: boolean;
  checked: number;
  chains: number;
  problems: { chain: string; seq: number; problem: string }[];
  anchors: { checked: number; problems: { chain?: string; seq?: number; problem: string }[] };
}

export interface Rig {
  w: LocalWorkers;
  source: string;
  operator: string;
  patientToken(id: string): Promise<string>;
  clinicianToken(extra?: Record<string, unknown>): Promise<string>;
  send(
    base: string,
    path: string,
    token: string | undefined,
    init?: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  verify(body?: string): Promise<Verdict>;
  anchorJws(): Promise<string[]>;
  anchoredHeads(): Promise<Map<string, number>>;
  objectFile(chain: string): string;
  anchorFile(): string;
  personOf(id: string): Promise<string>;
  seedPatients(ids: string[]): Promise<void>;
}

export async function startRig(vars: Record<string, string> = { AUDIT_REPORT_MS: '200', ANCHOR_EVERY_MS: '500' }): Promise<Rig> {
  const w = await startWorkers({ replica: true, vars });
  const source = await w.issuer.mint(sourceClaims(SOURCE));
  const operator = await w.issuer.mint(OPERATOR_CLAIMS);
  const patientToken = (id: string) => w.issuer.mint(patientClaims(id));
  const clinicianToken = (extra: Record<string, unknown> = {}) => w.issuer.mint(clinicianClaims('dr.w', 'dr-w', extra));
  const send: Rig['send'] = (base, path, token, init = {}) =>
    w.fetch(`${base}${path}`, {
      method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
      headers: {
        ...(init.body !== undefined || init.raw !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...init.headers,
      },
      ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  const verify = async (body?: string) => {
    const res = await w.fetch(`${w.primary}/admin/audit/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
    });
    if (res.status !== 200) throw new Error(`verify ${res.status} ${await res.text()}`);
    return (await res.json()) as Verdict;
  };
  const anchorJws = async () => {
    const body = (await (await w.fetch(`${w.primary}/public/audit-anchors`)).json()) as { anchors: { jws: string }[] };
    return body.anchors.map((a) => a.jws);
  };
  /** Heads each stored anchor covers: in its JWS (open anchors) or kept beside it (sealed anchors), read from the anchor object's file. */
  const anchoredHeads = async () => {
    const heads = new Map<string, number>();
    const dir = join(w.doDir, `${w.name}-AnchorObject`);
    const file = readdirSync(dir).find((f) => f.endsWith('.sqlite'));
    if (!file) return heads;
    const db = new Database(join(dir, file), { readonly: true });
    try {
      const cols = (db.prepare('PRAGMA table_info(anchors)').all() as { name: string }[]).map((c) => c.name);
      const rows = db.prepare(`SELECT jws${cols.includes('heads') ? ', heads' : ''} FROM anchors`).all() as { jws: string; heads?: string | null }[];
      for (const row of rows) for (const h of coveredBy(row)) heads.set(h.chain, Math.max(heads.get(h.chain) ?? 0, h.seq));
    } finally {
      db.close();
    }
    return heads;
  };
  const objectFile = (chain: string) => w.objectFile(chain);
  const anchorFile = () => w.anchorFile();
  const personOf = async (id: string) => {
    const res = await send(w.primary, `/fhir/AuditEvent?patient=Patient/${id}&_count=1`, await patientToken(id));
    const event = (await res.json()).entry[0].resource as { entity: { what: { reference: string }; role?: { code: string } }[] };
    return event.entity.find((e) => e.role?.code === '1')!.what.reference.replace('Patient/', '');
  };
  const seedPatients = async (ids: string[]) => {
    for (let i = 0; i < ids.length; i += 100) {
      const entry = ids.slice(i, i + 100).map((id) => ({
        resource: { resourceType: 'Patient', id, meta: { source: SOURCE }, name: [{ family: `Rt${id}` }] },
        request: { method: 'PUT', url: `Patient/${id}` },
      }));
      const res = await send(w.primary, '/fhir', source, { body: { resourceType: 'Bundle', type: 'transaction', meta: { source: SOURCE }, entry } });
      if (res.status !== 200) throw new Error(`seed ${res.status} ${await res.text()}`);
    }
  };
  // Warm each isolate's JWKS fetch.
  for (const base of [w.primary, w.replica!]) await send(base, '/auth/me', operator);
  return { w, source, operator, patientToken, clinicianToken, send, verify, anchorJws, anchoredHeads, objectFile, anchorFile, personOf, seedPatients };
}

/** Polls until `check` is true. */
export async function until(check: () => Promise<boolean>, timeoutMs = 20_000, intervalMs = 300): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The heads a stored anchor row covers, open or sealed. */
export function coveredBy(row: { jws: string; heads?: string | null }): { chain: string; seq: number }[] {
  const open = (decodeJwt(row.jws) as { chains?: { chain: string; seq: number }[] }).chains;
  if (open) return open;
  try {
    return row.heads ? (JSON.parse(row.heads) as { chain: string; seq: number }[]) : [];
  } catch {
    return [];
  }
}

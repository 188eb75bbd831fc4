import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Requester } from '../../src/auth/requester.js';
import { ROLES } from '../../src/auth/roles.js';
import { AuditLog } from '../../src/audit/log.js';
import { NOTE_MAX, chainStatus, operatorOf, parseFinding, recordFinding, reviewQueue, verifyOnDemand, type Operator } from '../../src/operations/index.js';
import { tempDb } from '../helpers/db.js';
import { ACME, auditTrail, CLI, testOps } from '../participants/helpers.js';
import { auditRows } from '../helpers/audit.js';
import { renderedText } from '../../src/audit/rows.js';

const person = (role: Requester['role'], extra: Partial<Requester> = {}): Requester => ({
  kind: 'person',
  subject: `${role}-account`,
  clientId: 'consent-portal',
  role,
  scopes: [],
  scope: 'openid',
  purposes: [],
  tokenId: 'jti-1',
  expiresAt: 0,
  ...extra,
});

function world() {
  const db = tempDb();
  const audit = new AuditLog(db);
  let id = 0;
  let tick = Date.parse('2026-02-01T09:00:00Z');
  const deps = { db, audit, clock: () => new Date((tick += 1000)), newId: () => `id-${++id}` };
  return { db, deps, alex: operatorOf(person('operator', { subject: 'alex' }))! };
}

const grant = (db: ReturnType<typeof tempDb>, id: string, patient: string) =>
  db.sqlite
    .prepare('insert into break_glass (id, patient_id, practitioner, organization, reason, started_at, expires_at) values (?, ?, ?, ?, ?, ?, ?)')
    .run(id, patient, 'Practitioner/p1', 'Organization/o1', 'unconscious', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z');

describe('who is an operator', () => {
  it('only a person token with the operator role; no other role and no backend client, whatever it claims', () => {
    for (const role of ROLES) expect(operatorOf(person(role)) !== undefined).toBe(role === 'operator');
    expect(operatorOf({ ...person('operator'), kind: 'system' })).toBeUndefined();
    expect(operatorOf(undefined)).toBeUndefined();
  });
});

describe('a finding as posted', () => {
  it('is accepted only with one of the two outcomes and a note that is not blank nor overlong (property)', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), fc.option(fc.string({ maxLength: NOTE_MAX + 20 }), { nil: undefined }), (outcome, note) => {
        const parsed = parseFinding({ csrf: 'c', grant: 'g1', ...(outcome !== undefined ? { outcome } : {}), ...(note !== undefined ? { note } : {}) });
        const outcomeOk = outcome === 'appropriate' || outcome === 'inappropriate';
        const trimmed = (note ?? '').trim();
        const noteOk = trimmed !== '' && trimmed.length <= NOTE_MAX;
        expect(parsed.ok).toBe(outcomeOk && noteOk);
        if (parsed.ok) expect(parsed.finding).toEqual({ grantId: 'g1', outcome, note: trimmed });
        else {
          expect('outcome' in parsed.errors).toBe(!outcomeOk);
          expect('note' in parsed.errors).toBe(!noteOk);
        }
      }),
    );
  });

  it('refuses a form that names no grant, or sends an outcome as a list', () => {
    expect(parseFinding({ outcome: 'appropriate', note: 'x' })).toMatchObject({ ok: false, errors: { grant: expect.any(String) } });
    expect(parseFinding({ grant: 'g', outcome: ['appropriate'], note: 'x' })).toMatchObject({ ok: false, errors: { outcome: expect.any(String) } });
  });
});

describe('suspending with a reason', () => {
  it('keeps the reason in the audit trail; an overlong one is refused, changes nothing, and is audited as refused', async () => {
    const db = tempDb();
    const ops = testOps(db);
    await ops.addOrganization(ACME, CLI);
    await ops.setStatus({ target: 'organization', id: ACME.reference, status: 'suspended', reason: '  contract lapsed ' }, CLI);
    await expect(ops.setStatus({ target: 'organization', id: ACME.reference, status: 'active', reason: 'x'.repeat(501) }, CLI)).rejects.toMatchObject({
      code: 'invalid',
    });
    expect((await ops.list()).organizations[0]!.status).toBe('suspended');
    const trail = await auditTrail(db);
    expect(trail.slice(1).map((e) => [e.subtype.at(-1), e.outcome])).toEqual([
      ['suspend', '0'],
      ['resume', '4'],
    ]);
    expect(trail[1]!.detail).toMatch(/"reason=contract lapsed"/);
  });
});

describe('the audit chain, checked on demand', () => {
  it('says intact, then where a changed row breaks it; each run is an event the next status reports', async () => {
    const { db, deps, alex } = world();
    for (let i = 0; i < 5; i++) await deps.audit.record({ id: `e${i}`, recorded: '2026-01-01T00:00:00Z' }, undefined);
    expect((await verifyOnDemand(deps, alex)).problems).toEqual([]);
    expect((await chainStatus(deps, alex)).lastVerification).toMatchObject({ by: 'alex', outcome: 'intact: 5 events' });

    db.sqlite.prepare("update audit_events set resource = replace(resource, 'e2', 'eX') where seq = 3").run();
    const broken = await verifyOnDemand(deps, alex);
    expect(broken.problems).toEqual([{ seq: 3, problem: 'hash' }]);
    const status = await chainStatus(deps, alex);
    expect(status.events).toBe(7);
    expect(status.lastVerification!.outcome).toMatch(/^broken: 1 problem\(s\) in 6 events, first at event 3 \(content does not match its hash\)/);
  });

  it('a deleted row is a gap, reported at the event after it', async () => {
    const { db, deps, alex } = world();
    for (let i = 0; i < 4; i++) await deps.audit.record({ id: `e${i}`, recorded: '2026-01-01T00:00:00Z' }, undefined);
    db.sqlite.prepare('delete from audit_events where seq = 2').run();
    expect((await verifyOnDemand(deps, alex)).problems).toEqual([
      { seq: 3, problem: 'gap' },
      { seq: 3, problem: 'prev-hash' },
    ]);
  });
});

describe('break-the-glass findings', () => {
  it('audits the viewing in each shown patient’s accounting, records one finding per grant, and audits a second as refused', async () => {
    const { db, deps, alex } = world();
    grant(db, 'g1', 'pat-1');
    grant(db, 'g2', 'pat-2');
    expect((await reviewQueue(deps, alex)).map((r) => r.grant.id).sort()).toEqual(['g1', 'g2']);
    expect(await recordFinding(deps, alex as Operator, { grantId: 'g1', outcome: 'inappropriate', note: 'no emergency on record' })).toBeUndefined();
    expect(await recordFinding(deps, alex, { grantId: 'g1', outcome: 'appropriate', note: 'second try' })).toBe('already-decided');
    expect(await recordFinding(deps, alex, { grantId: 'nope', outcome: 'appropriate', note: 'x' })).toBe('unknown-grant');
    expect((await reviewQueue(deps, alex)).map((r) => r.grant.id)).toEqual(['g2']);

    const events = auditRows(db.sqlite).map((r) => ({ person: r.person, e: JSON.parse(renderedText(r)) }));
    const code = (e: { subtype: { code: string }[] }) => e.subtype.at(-1)!.code;
    expect(events.map((x) => [code(x.e), x.person, x.e.outcome])).toEqual([
      ['break-glass-view', 'pat-1', '0'],
      ['break-glass-view', 'pat-2', '0'],
      ['break-glass-finding', 'pat-1', '0'],
      ['break-glass-finding', 'pat-1', '4'],
      ['break-glass-finding', null, '4'],
      ['break-glass-view', 'pat-2', '0'],
    ]);
    // The operator's note about a patient stays in the review store, not in the trail.
    expect(JSON.stringify(auditRows(db.sqlite))).not.toMatch(/no emergency on record/);
    expect(events[2]!.e.agent[0].who.identifier.value).toBe('alex');
  });
});

import { newEnforcer, newModelFromString } from 'casbin';
import { describe, expect, it } from 'vitest';
import { categoryIndex } from '../../src/consent/categories.js';
import { ConsentLineAdapter } from '../../src/consent/casbin-adapter.js';
import { compileConsent } from '../../src/consent/compile.js';
import { replaceLinesStatements } from '../../src/consent/store.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { tempDb } from '../helpers/db.js';

describe('ConsentLineAdapter', () => {
  it("loads one patient's stored lines into a standard Enforcer, in priority order, and refuses bulk or direct writes", async () => {
    const db = tempDb();
    const compiled = compileConsent(
      {
        resourceType: 'Consent',
        id: 'c1',
        status: 'active',
        provision: { type: 'deny', provision: [{ type: 'permit', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Practitioner/p1' } }] }] },
      } as never,
      'pt-1',
      categoryIndex(defaultCodeLists),
    );
    if (!compiled.ok) throw new Error('bad consent');
    await db.atomic(replaceLinesStatements(db, 'pt-1', 'c1', compiled.lines));
    await db.atomic(
      replaceLinesStatements(
        db,
        'pt-2',
        'c2',
        compiled.lines.map((l) => ({ ...l, patient: 'pt-2' })),
      ),
    );

    const adapter = new ConsentLineAdapter(db);
    const texts = await readPolicyFiles();
    const enforcer = await newEnforcer(newModelFromString(texts.consentModel));
    enforcer.addFunction('within', (() => true) as never);
    enforcer.addFunction('dataWithin', (() => true) as never);
    await adapter.loadFilteredPolicy(enforcer.getModel(), { patient: 'pt-1' });
    const policy = enforcer.getModel().getPolicy('p', 'p');
    expect(policy.map((r) => [r[0], r[1], r[10]])).toEqual([
      ['490', 'pt-1', 'allow'],
      ['499', 'pt-1', 'deny'],
    ]);
    expect(enforcer.enforceSync('Practitioner/p1', 'Organization/o', 'pt-1', 'Condition', 'normal', 'TREAT', '2026-01-01', '')).toBe(true);
    expect(enforcer.enforceSync('Practitioner/p2', 'Organization/o', 'pt-1', 'Condition', 'normal', 'TREAT', '2026-01-01', '')).toBe(false);
    await expect(adapter.loadPolicy()).rejects.toThrow(/one patient at a time/);
    await expect(adapter.savePolicy()).rejects.toThrow(/compiling a Consent/);
  });
});

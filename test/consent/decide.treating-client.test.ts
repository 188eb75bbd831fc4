/**
 * A provider organization's backend client acting for treatment (a subscription's recipient)
 * gets the treatment defaults a clinician of that organization gets, so it may read what it is
 * told; nobody else gains anything from the change.
 */
import { describe, expect, it } from 'vitest';
import { decideWith, type PatientView } from '../../src/consent/decide.js';
import { compilePatientView } from '../../src/consent/view.js';
import { analytics, payer, realPolicies, sourceClient, WHEN } from './helpers.js';

const view = async (extra: Partial<Omit<PatientView, 'rules'>> = {}): Promise<PatientView> =>
  compilePatientView(await realPolicies(), { person: 'p1', lines: [], payers: new Set(), breakGlass: [], ...extra });

describe('a treating backend client', () => {
  it('gets the treatment default of its organization, Part 2 still withheld', async () => {
    const d = decideWith(await realPolicies(), await view(), { requester: sourceClient(), cls: 'Encounter', when: WHEN });
    expect(d.permit).toBe(true);
    expect(d.obligations.redact).toEqual(['sud']);
    expect(d.reasons[0]).toMatchObject({ layer: 'default', ref: 'default:treatment-opt-out' });
  });

  it('gets nothing by default in an opt-in deployment', async () => {
    const d = decideWith(await realPolicies({ treatment: 'opt-in' }), await view(), { requester: sourceClient(), cls: 'Encounter', when: WHEN });
    expect(d.permit).toBe(false);
  });

  it('a source client without TREAT gains nothing', async () => {
    const p = await realPolicies();
    for (const purposes of [[], ['HOPERAT'], ['ETREAT']] as const) {
      const d = decideWith(p, await view(), { requester: sourceClient(undefined, [...purposes]), cls: 'Encounter', when: WHEN });
      expect(d.permit).toBe(false);
    }
  });

  it("a payer's client or the analytics client claiming TREAT gains nothing, even for its own members", async () => {
    const p = await realPolicies();
    const member = await view({ payers: new Set(['Organization/payer-lakeshore-org']) });
    expect(decideWith(p, member, { requester: payer('payer-lakeshore', ['TREAT']), cls: 'Encounter', when: WHEN }).permit).toBe(false);
    expect(decideWith(p, member, { requester: { ...analytics(), purposes: ['TREAT'] }, cls: 'Encounter', when: WHEN }).permit).toBe(false);
    // A payer-kind client under a provider's DUA is still not a treating client.
    const payerUnderClinicDua = { ...sourceClient(), clientKind: 'payer' };
    expect(decideWith(p, await view(), { requester: payerUnderClinicDua, cls: 'Encounter', when: WHEN }).permit).toBe(false);
  });
});

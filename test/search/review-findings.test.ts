import { describe, expect, it } from 'vitest';
import { scenario } from '../helpers/scenario.js';
import { putEntry, SOURCE_A } from '../helpers/fhir.js';

type Entry = {
  resource: { resourceType: string; id: string; meta?: { tag?: { system: string; code: string }[] } } & Record<string, unknown>;
  search: { mode: string };
};
type BundleJson = { total: number; entry: Entry[]; link: { relation: string; url: string }[] };

const LOINC = 'http://loinc.org';

/** The review's client, playing Maria (who may see all of her own record) against the in-process app. */
async function setup() {
  const s = await scenario();
  await s.seed(SOURCE_A, [
    putEntry({
      resourceType: 'Encounter',
      id: 'enc-stay',
      meta: { source: SOURCE_A },
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
      subject: { reference: 'Patient/pa-1' },
      period: { start: '2025-02-03T10:00:00Z', end: '2025-02-07T15:00:00Z' },
    }),
    putEntry({
      resourceType: 'Encounter',
      id: 'enc-visit',
      meta: { source: SOURCE_A },
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: 'Patient/pa-1' },
      period: { start: '2025-01-20T10:00:00Z', end: '2025-01-20T10:30:00Z' },
    }),
    putEntry({
      resourceType: 'Observation',
      id: 'o-glucose',
      meta: { source: SOURCE_A },
      status: 'amended',
      subject: { reference: 'Patient/pa-1' },
      code: { text: 'Fasting glucose', coding: [{ system: LOINC, code: '1558-6', display: 'Fasting glucose [Mass/volume] in Serum or Plasma' }] },
      effectiveDateTime: '2025-05-01T08:00:00Z',
    }),
    putEntry({
      resourceType: 'Observation',
      id: 'o-local',
      meta: { source: SOURCE_A },
      status: 'final',
      subject: { reference: 'Patient/pa-1' },
      code: { coding: [{ code: 'LOCAL-7' }] },
      effectiveDateTime: '2025-05-02T08:00:00Z',
    }),
    putEntry({ resourceType: 'Organization', id: 'org-saint', meta: { source: SOURCE_A }, name: 'Sainte-Thérèse Clinic', alias: ['STC'] }),
  ]);
  const json = async (path: string, headers: Record<string, string> = {}) => {
    const res = await s.get(path, s.tokens.maria, headers);
    const body = (await res.json()) as BundleJson;
    return { status: res.status, body };
  };
  const ids = async (path: string) => {
    const { status, body } = await json(path);
    expect(status, `${path}: ${JSON.stringify(body).slice(0, 300)}`).toBe(200);
    return body.entry
      .filter((e) => e.search.mode === 'match')
      .map((e) => e.resource.id)
      .sort();
  };
  return { ...s, json, ids };
}

const OBS = '/fhir/Observation?patient=pa-1';
const ALL_OBS = ['o-a1c-1', 'o-a1c-2', 'o-a1c-b', 'o-glucose', 'o-hiv', 'o-local'];

describe('search modifiers are applied, never dropped', () => {
  it(':not excludes the code, and keeps resources without it', async () => {
    const { ids } = await setup();
    expect(await ids(`${OBS}&code:not=${LOINC}|4548-4`)).toEqual(['o-glucose', 'o-hiv', 'o-local']);
    expect(await ids(`${OBS}&code:not=${LOINC}|4548-4,${LOINC}|20447-9`)).toEqual(['o-glucose', 'o-local']);
  });

  it(':missing on a token, a date and a status', async () => {
    const { ids } = await setup();
    expect(await ids(`${OBS}&code:missing=true`)).toEqual([]);
    expect(await ids(`${OBS}&code:missing=false`)).toEqual(ALL_OBS);
    expect(await ids(`${OBS}&category:missing=true`)).toEqual(ALL_OBS);
    expect(await ids(`${OBS}&date:missing=false`)).toEqual(ALL_OBS);
    expect(await ids(`${OBS}&status:missing=true`)).toEqual([]);
  });

  it(':text matches CodeableConcept.text and Coding.display, case- and accent-insensitively', async () => {
    const { ids } = await setup();
    expect(await ids(`${OBS}&code:text=fasting`)).toEqual(['o-glucose']);
    expect(await ids(`${OBS}&code:text=FASTING GLUCOSE [MASS`)).toEqual(['o-glucose']);
    expect(await ids(`${OBS}&code:text=glucose`)).toEqual([]); // starts-with, as string search is
    expect(await ids('/fhir/Encounter?patient=pa-1&class:text=inpatient')).toEqual(['enc-stay']);
  });

  it('refuses an unknown modifier, or one on a parameter it does not apply to, with 400 naming the parameter (strict or not)', async () => {
    const { json } = await setup();
    for (const q of ['code:below=4548', 'code:exact=4548-4', 'date:not=2025', 'date:text=x', 'status:contains=fin', 'code:=x', 'patient:missing=true']) {
      for (const headers of [{}, { prefer: 'handling=strict' }] as Record<string, string>[]) {
        const { status, body } = await json(`${OBS}&${q}`, headers);
        expect(status, q).toBe(400);
        const outcome = body as unknown as { resourceType: string; issue: { expression: string[]; diagnostics: string }[] };
        expect(outcome.resourceType).toBe('OperationOutcome');
        expect(outcome.issue[0]!.expression).toEqual([q.split('=')[0]]);
      }
    }
  });

  it('string modifiers on directory names: default starts-with, :exact, :contains', async () => {
    const { ids } = await setup();
    expect(await ids('/fhir/Organization?name=sainte')).toEqual(['org-saint']);
    expect(await ids('/fhir/Organization?name=SAINTE-THERESE')).toEqual(['org-saint']);
    expect(await ids('/fhir/Organization?name=clinic')).toEqual([]);
    expect(await ids('/fhir/Organization?name:contains=clinic')).toEqual(['org-saint']);
    expect(await ids('/fhir/Organization?name:exact=Sainte-Thérèse Clinic')).toEqual(['org-saint']);
    expect(await ids('/fhir/Organization?name:exact=sainte-thérèse clinic')).toEqual([]);
    expect(await ids('/fhir/Organization?name=stc')).toEqual(['org-saint']); // the alias
  });
});

describe('dates are ranges', () => {
  it('ge and gt find a stay that overlaps the day; le and lt find one that started before', async () => {
    const { ids } = await setup();
    const ENC = '/fhir/Encounter?patient=pa-1';
    expect(await ids(`${ENC}&date=ge2025-02-05`)).toEqual(['enc-stay']);
    expect(await ids(`${ENC}&date=gt2025-02-05`)).toEqual(['enc-stay']);
    expect(await ids(`${ENC}&date=le2025-02-05`)).toEqual(['enc-stay', 'enc-visit']);
    expect(await ids(`${ENC}&date=eq2025-02`)).toEqual(['enc-stay']);
    expect(await ids(`${ENC}&date=2025-02-05`)).toEqual([]); // the day does not contain the stay
    expect(await ids(`${ENC}&date=ne2025-02-05`)).toEqual(['enc-stay', 'enc-visit']);
    expect(await ids(`${ENC}&date=sa2025-02-02`)).toEqual(['enc-stay']);
    expect(await ids(`${ENC}&date=eb2025-02-03`)).toEqual(['enc-visit']);
    // ap widens the day by 10% of its distance from now (over a year here): both visits are near it, 2024-06 is not.
    expect(await ids(`${ENC}&date=ap2025-02-05`)).toEqual(['enc-stay', 'enc-visit']);
    expect(await ids(`${ENC}&date=ap2024-06-01`)).toEqual([]);
    expect(await ids(`${ENC}&date=ge2025-02-01&date=le2025-02-28`)).toEqual(['enc-stay']);
  });
});

describe('repeated parameters narrow (AND), commas widen (OR)', () => {
  it('status, _id and patient', async () => {
    const { ids } = await setup();
    expect(await ids(`${OBS}&status=final&status=amended`)).toEqual([]);
    expect(await ids(`${OBS}&status=final,amended&status=amended`)).toEqual(['o-glucose']);
    expect(await ids(`${OBS}&_id=o-a1c-1&_id=o-hiv`)).toEqual([]);
    expect(await ids(`${OBS}&_id=o-a1c-1,o-hiv&_id=o-hiv`)).toEqual(['o-hiv']);
    expect(await ids(`/fhir/Observation?patient=pa-1&patient=pb-1`)).toEqual([]);
    expect(await ids(`/fhir/Observation?patient=pa-1&patient=pa-2`)).toEqual(ALL_OBS); // one person, two records
    expect(await ids(`${OBS}&code=${LOINC}|4548-4&code=${LOINC}|20447-9`)).toEqual([]);
  });

  it('token forms: system|code, system|, |code and code', async () => {
    const { ids } = await setup();
    expect(await ids(`${OBS}&code=${LOINC}|`)).toEqual(['o-a1c-1', 'o-a1c-2', 'o-a1c-b', 'o-glucose', 'o-hiv']);
    expect(await ids(`${OBS}&code=|LOCAL-7`)).toEqual(['o-local']);
    expect(await ids(`${OBS}&code=|4548-4`)).toEqual([]);
    expect(await ids(`${OBS}&code=LOCAL-7`)).toEqual(['o-local']);
    expect(await ids(`${OBS}&code=1558-6`)).toEqual(['o-glucose']);
  });
});

describe('the searchset says what was done', () => {
  it('_summary=count and _count=0 give the total without entries', async () => {
    const { json } = await setup();
    for (const q of ['_summary=count', '_count=0']) {
      const { status, body } = await json(`${OBS}&${q}`);
      expect(status, q).toBe(200);
      expect(body.total).toBe(6);
      expect(body.entry ?? []).toEqual([]);
      expect(body.link.find((l) => l.relation === 'next')).toBeUndefined();
    }
  });

  it('_count above the maximum is capped, and the response says so', async () => {
    const { json } = await setup();
    const { status, body } = await json(`${OBS}&_count=5000`);
    expect(status).toBe(200);
    expect(body.entry.filter((e) => e.search.mode === 'match')).toHaveLength(6);
    const outcome = body.entry.find((e) => e.search.mode === 'outcome');
    expect(outcome?.resource.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(outcome)).toMatch(/1000/);
    expect(body.link.find((l) => l.relation === 'self')!.url).toMatch(/_count=1000/);
  });

  it('self shows only what was applied; next keeps working', async () => {
    const { json, get, tokens } = await setup();
    const { body } = await json(`${OBS}&flavour=mint&code=${LOINC}|4548-4&_count=1`);
    const self = new URL(body.link.find((l) => l.relation === 'self')!.url);
    expect([...self.searchParams.keys()].sort()).toEqual(['_count', 'code', 'patient']);
    let next = body.link.find((l) => l.relation === 'next')?.url;
    const seen = body.entry.map((e) => e.resource.id);
    while (next) {
      const page = (await (await get(next.replace('http://gateway.test', ''), tokens.maria)).json()) as BundleJson;
      seen.push(...page.entry.map((e) => e.resource.id));
      next = page.link.find((l) => l.relation === 'next')?.url;
    }
    expect(seen.sort()).toEqual(['o-a1c-1', 'o-a1c-2', 'o-a1c-b']);
  });

  it('_elements keeps the named top-level elements plus id, meta and resourceType, and marks the result SUBSETTED', async () => {
    const { json } = await setup();
    const { body } = await json(`${OBS}&_id=o-glucose&_elements=code,status`);
    const r = body.entry[0]!.resource;
    expect(Object.keys(r).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status']);
    expect(r.meta!.tag).toContainEqual(expect.objectContaining({ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }));
  });

  it('a Patient search is the compartment its _id names', async () => {
    const { ids, json } = await setup();
    expect(await ids('/fhir/Patient?_id=pa-1')).toEqual(['pa-1']);
    const missing = await json('/fhir/Patient?patient=pa-1');
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toMatch(/_id/);
  });

  it('a parameter the type does not have: ignored and left out of self when lenient, refused when strict', async () => {
    const { json } = await setup();
    const lenient = await json('/fhir/Organization?patient=pa-1');
    expect(lenient.status).toBe(200);
    expect(new URL(lenient.body.link[0]!.url).searchParams.has('patient')).toBe(false);
    expect((await json('/fhir/Organization?patient=pa-1', { prefer: 'handling=strict' })).status).toBe(400);
  });
});

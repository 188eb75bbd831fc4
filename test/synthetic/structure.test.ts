import { describe, expect, it } from 'vitest';
import { idOf, region, resources, type Res } from './helpers.js';

const r = region(60, 11);
const all = resources(r);
const WINDOW_START = '2024-01-01';
const WINDOW_END = '2025-12-31';

const EXPECTED_SOURCES: Record<string, [kind: string, name: string]> = {
  'payer-lakeshore': ['payer', 'Lakeshore Health Plan'],
  'payer-greatlakes-ma': ['payer', 'Great Lakes Medicare Advantage'],
  'payer-peninsula-medicaid': ['payer', 'Peninsula Community Health Plan'],
  'hosp-mercy': ['hospital', 'Mercy General Hospital'],
  'hosp-riverside': ['hospital', 'Riverside Medical Center'],
  'clinic-oak': ['clinic', 'Oakwood Family Medicine'],
  'clinic-maple': ['clinic', 'Maple Street Primary Care'],
  'clinic-cedar': ['clinic', 'Cedar Valley Health Partners'],
  'clinic-birch': ['clinic', 'Birch Lane Internal Medicine'],
  'clinic-willow': ['clinic', 'Willow Creek Family Physicians'],
  directory: ['directory', 'Consent Gateway HIE'],
};

/** Every `reference` string anywhere inside a resource. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}

describe('region layout', () => {
  it('has the eleven sources with their organisations, URIs and file names', () => {
    expect(Object.fromEntries(r.sources.map((s) => [s.id, [s.kind, s.name]]))).toEqual(EXPECTED_SOURCES);
    for (const s of r.sources) {
      const uri = s.id === 'directory' ? 'https://directory.consent-gateway.example.org/fhir' : `https://${s.id}.example.org/fhir`;
      expect(s.uri).toBe(uri);
      expect(s.fileName).toBe(`${s.id}.json`);
      expect(s.organizationId).toBe(s.id === 'directory' ? 'org-hie' : `${s.id}-org`);
      const org = (s.bundle.entry ?? []).map((e) => e.resource as Res).find((x) => x.resourceType === 'Organization' && x.id === s.organizationId);
      expect(org?.name).toBe(s.name);
    }
  });

  it('the directory holds only the HIE and the research organisation', () => {
    const directory = resources(r, 'directory');
    expect(directory.map((x) => `${x.resourceType}/${x.id}`).sort()).toEqual(['Organization/org-hie', 'Organization/org-research']);
    expect(directory.find((x) => x.id === 'org-research')?.name).toBe('Great Lakes Health Analytics Institute');
  });
});

describe('bundles', () => {
  it('are transactions of PUTs whose URL matches the resource, with meta.source everywhere', () => {
    for (const s of r.sources) {
      const b = s.bundle;
      expect(b.resourceType).toBe('Bundle');
      expect(b.type).toBe('transaction');
      expect(b.meta?.source).toBe(s.uri);
      expect(b.entry?.length).toBeGreaterThan(0);
      for (const e of b.entry ?? []) {
        const res = e.resource as Res;
        expect(e.request).toEqual({ method: 'PUT', url: `${res.resourceType}/${res.id}` });
        expect(e.fullUrl).toBe(`${s.uri}/${res.resourceType}/${res.id}`);
        expect(res.meta.source).toBe(s.uri);
      }
    }
  });

  it('uses valid ids, unique across all files and prefixed by the source id', () => {
    const seen = new Set<string>();
    for (const s of r.sources) {
      for (const e of s.bundle.entry ?? []) {
        const { id } = e.resource as Res;
        expect(id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
        expect(seen.has(id), `duplicate id ${id}`).toBe(false);
        seen.add(id);
        if (s.id !== 'directory') expect(id.startsWith(`${s.id}-`)).toBe(true);
      }
    }
    expect(seen.size).toBe(all.length);
  });

  it('only references resources that exist somewhere in the region', () => {
    const known = new Set(all.map((x) => `${x.resourceType}/${x.id}`));
    const dangling = all.flatMap((x) =>
      references(x)
        .filter((ref) => !known.has(ref))
        .map((ref) => `${x.resourceType}/${x.id} -> ${ref}`),
    );
    expect(dangling).toEqual([]);
  });

  it('references a patient only from inside the source that holds that patient', () => {
    for (const s of r.sources) {
      const local = new Set((s.bundle.entry ?? []).map((e) => `${(e.resource as Res).resourceType}/${(e.resource as Res).id}`));
      for (const e of s.bundle.entry ?? []) {
        for (const ref of references(e.resource).filter((x) => x.startsWith('Patient/') || x.startsWith('Coverage/'))) {
          expect(local.has(ref), `${s.id}: ${ref}`).toBe(true);
        }
      }
    }
  });

  it('keeps every clinical and claim date inside the 2024-2025 study window', () => {
    const dates: string[] = [];
    for (const x of all) {
      if (x.period?.start) dates.push(x.period.start, x.period.end);
      for (const k of ['effectiveDateTime', 'performedDateTime', 'onsetDateTime', 'abatementDateTime', 'recordedDate', 'created']) if (x[k]) dates.push(x[k]);
      if (x.billablePeriod) dates.push(x.billablePeriod.start, x.billablePeriod.end);
      for (const item of x.item ?? []) dates.push(item.servicedDate ?? item.servicedPeriod.start);
    }
    expect(dates.length).toBeGreaterThan(1000);
    for (const d of dates) {
      expect(d.slice(0, 10) >= WINDOW_START && d.slice(0, 10) <= WINDOW_END, d).toBe(true);
    }
  });
});

describe('manifest and truth', () => {
  it('describes the files and counts resources per type', () => {
    expect(r.manifest.seed).toBe(11);
    expect(r.manifest.patients).toBe(60);
    expect(r.manifest.window).toEqual({ start: WINDOW_START, end: WINDOW_END });
    expect(r.manifest.files.map((f) => f.id)).toEqual(r.sources.map((s) => s.id));
    for (const f of r.manifest.files) {
      const s = r.sources.find((x) => x.id === f.id)!;
      expect(f).toMatchObject({ uri: s.uri, kind: s.kind, organizationId: s.organizationId, fileName: s.fileName });
      const counts: Record<string, number> = {};
      for (const e of s.bundle.entry ?? []) counts[(e.resource as Res).resourceType] = (counts[(e.resource as Res).resourceType] ?? 0) + 1;
      expect(f.resources).toEqual(counts);
    }
  });

  it('maps exactly the Patient ids to person indexes 0..N-1, every person having a record', () => {
    const patients = all.filter((x) => x.resourceType === 'Patient').map((x) => x.id);
    expect(Object.keys(r.truth).sort()).toEqual([...patients].sort());
    const indexes = new Set(Object.values(r.truth));
    expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it("subject references point at the same source's patient record of one person", () => {
    for (const x of all) {
      const subject = x.subject?.reference ?? x.patient?.reference ?? x.beneficiary?.reference;
      if (typeof subject !== 'string' || !subject.startsWith('Patient/')) continue;
      expect(r.truth[idOf(subject)]).toBeTypeOf('number');
    }
  });
});

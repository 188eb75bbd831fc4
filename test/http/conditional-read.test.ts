import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema.js';
import { scenario } from '../helpers/scenario.js';
import { auditTexts } from '../helpers/audit.js';

describe('conditional read and vread', () => {
  it('gives ETag and Last-Modified, and 304 with no body when the client has the version', async () => {
    const { get, tokens } = await scenario();
    const first = await get('/fhir/Condition/c-diabetes', tokens.chen);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toBe('W/"1"');
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);

    for (const headers of <Record<string, string>[]>[
      { 'if-none-match': etag },
      { 'if-none-match': '"1"' },
      { 'if-none-match': 'W/"7", W/"1"' },
      { 'if-none-match': '*' },
      { 'if-modified-since': lastModified },
      { 'if-modified-since': new Date(Date.parse(lastModified) + 60_000).toUTCString() },
    ]) {
      const res = await get('/fhir/Condition/c-diabetes', tokens.chen, headers);
      expect(res.status, JSON.stringify(headers)).toBe(304);
      expect(await res.text()).toBe('');
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('last-modified')).toBe(lastModified);
      // A 304 has no body, so no content type (the red team saw text/plain).
      expect(res.headers.get('content-type')).toBeNull();
    }
    for (const headers of <Record<string, string>[]>[
      { 'if-none-match': 'W/"2"' },
      { 'if-modified-since': new Date(Date.parse(lastModified) - 1000).toUTCString() },
      { 'if-modified-since': 'not a date' },
      // If-None-Match decides when both are sent (RFC 9110 §13.2.2).
      { 'if-none-match': 'W/"2"', 'if-modified-since': lastModified },
    ]) {
      const res = await get('/fhir/Condition/c-diabetes', tokens.chen, headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect((await res.json()).id).toBe('c-diabetes');
    }
    const vread = await get('/fhir/Condition/c-diabetes/_history/1', tokens.chen, { 'if-none-match': 'W/"1"' });
    expect(vread.status).toBe(304);
  });

  it('audits a 304 exactly like the read it is', async () => {
    const { get, tokens, db, personOf } = await scenario();
    const person = personOf('pa-1');
    const events = async () => auditTexts(db.sqlite, { person }).map((content) => ({ content }));
    const before = (await events()).length;
    expect((await get('/fhir/Condition/c-diabetes', tokens.chen, { 'if-none-match': 'W/"1"' })).status).toBe(304);
    const after = await events();
    expect(after.length).toBe(before + 1);
    const event = JSON.parse(after.at(-1)!.content);
    expect(event.outcome).toBe('0');
    expect(event.subtype[0].code).toBe('read');
    expect(event.entity.at(-1).what.identifier.value).toBe('Condition/c-diabetes');
  });

  it('answers a conditional read of what the requester may not see exactly as one of what does not exist', async () => {
    const { get, tokens } = await scenario();
    for (const headers of <Record<string, string>[]>[
      { 'if-none-match': 'W/"1"' },
      { 'if-none-match': '*' },
      { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() },
    ]) {
      const withheld = await get('/fhir/Condition/c-oud', tokens.chen, headers); // 42 CFR Part 2
      const missing = await get('/fhir/Condition/c-nope', tokens.chen, headers);
      expect(withheld.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(withheld.headers.get('etag')).toBeNull();
      expect(withheld.headers.get('last-modified')).toBeNull();
      expect((await withheld.text()).replace('c-oud', 'X')).toBe((await missing.text()).replace('c-nope', 'X'));
      expect((await get('/fhir/Condition/c-oud/_history/1', tokens.chen, headers)).status).toBe(404);
    }
  });
});

/** Pages read every page of a paged answer: the fetcher here stands in for the in-process API (its paging is tested with the API). */
import { describe, expect, it } from 'vitest';
import { everyEntry } from '../../src/web/fhir-pages.js';

const pageOf = (entries: number[], next?: string) => ({
  entry: entries.map((n) => ({ n })),
  ...(next ? { link: [{ relation: 'next', url: `http://gw.test${next}` }] } : {}),
});

describe('everyEntry', () => {
  it('follows next links to the end, so a record past the first page is whole', async () => {
    const seen: string[] = [];
    const pages: Record<string, object> = {
      '/fhir/x?_count=2': pageOf([1, 2], '/fhir/x?_count=2&_cursor=a'),
      '/fhir/x?_count=2&_cursor=a': pageOf([3, 4], '/fhir/x?_count=2&_cursor=b'),
      '/fhir/x?_count=2&_cursor=b': pageOf([5]),
    };
    const got = await everyEntry<{ n: number }>(async (path) => {
      seen.push(path);
      return new Response(JSON.stringify(pages[path]), { status: pages[path] ? 200 : 404 });
    }, '/fhir/x?_count=2');
    expect(got?.map((e) => e.n)).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toHaveLength(3);
  });

  it('gives nothing, not half a record, when a later page is refused', async () => {
    const got = await everyEntry(
      async (path) => (path.includes('_cursor') ? new Response('{}', { status: 404 }) : new Response(JSON.stringify(pageOf([1], '/fhir/x?_cursor=a')))),
      '/fhir/x',
    );
    expect(got).toBeUndefined();
  });
});

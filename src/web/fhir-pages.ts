import type { Fetcher } from './sign-in.js';

/**
 * Every entry of a paged FHIR answer, following its `next` links (at most `maxPages`), read with
 * the user's own token. Undefined when the first page is refused; a later refusal (a consent
 * withdrawn mid-walk) also gives undefined, so a page never shows half a record as the whole.
 */
export async function everyEntry<T>(fhir: Fetcher, first: string, maxPages = 100): Promise<T[] | undefined> {
  const entries: T[] = [];
  let path: string | undefined = first;
  for (let pages = 0; path && pages < maxPages; pages++) {
    const res = await fhir(path);
    if (!res.ok) return undefined;
    const bundle = (await res.json()) as { entry?: T[]; link?: { relation: string; url: string }[] };
    entries.push(...(bundle.entry ?? []));
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    path = next ? new URL(next).pathname + new URL(next).search : undefined;
  }
  return entries;
}

import { FhirError } from '../fhir/errors.js';
import type { Blobs } from './blobs.js';

/**
 * Resources too large for a D1 row. The row keeps a stand-in: the resource with every string
 * over LEAF_MAX_CHARS emptied, led by `$spilled`, the key of the whole resource in the blob
 * store. What SQL reads from content (codes, dates, amounts, references, the labels in meta) is
 * short and stays in the stand-in, so the store's queries see the same values; everything that
 * leaves through the gate is first made whole again (wholeContent).
 */

/** Past this many UTF-8 bytes the content leaves the row: D1's cap is 2,000,000 bytes a row, index columns included. */
export const INLINE_MAX_BYTES = 1_000_000;
/** Strings longer than this are held only in the blob (a code, date or reference is far shorter). */
export const LEAF_MAX_CHARS = 1024;

const LEAD = '{"$spilled":';
const bytes = new TextEncoder();

function utf8Length(text: string): number {
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: most contents are decided without encoding them.
  if (text.length * 3 <= INLINE_MAX_BYTES) return text.length;
  if (text.length > INLINE_MAX_BYTES) return text.length;
  return bytes.encode(text).length;
}

/** Whether stored content is a stand-in. A resource a source sends can never be one: `$spilled` is not a FHIR element (validation refuses it). */
export function isSpilled(content: string): boolean {
  return content.startsWith(LEAD);
}

function emptyLongStrings(node: unknown): unknown {
  if (typeof node === 'string') return node.length > LEAF_MAX_CHARS ? '' : node;
  if (Array.isArray(node)) return node.map(emptyLongStrings);
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, emptyLongStrings(v)]));
  return node;
}

const keyPrefix = (type: string, id: string) => `resources/${type}/${id}/`;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The stand-in for content over the row's limit, or undefined when the content fits as it is. */
export function standIn(content: string, key: string): string | undefined {
  if (utf8Length(content) <= INLINE_MAX_BYTES) return undefined;
  return `${LEAD}${JSON.stringify(key)},${JSON.stringify(emptyLongStrings(JSON.parse(content))).slice(1)}`;
}

/**
 * Refused before anything is written: a resource whose structure alone (with its long strings
 * held elsewhere) is over the row's limit. Many thousands of elements, not long text.
 */
export function tooStructured(resource: object): boolean {
  const whole = JSON.stringify(resource);
  if (utf8Length(whole) <= INLINE_MAX_BYTES) return false;
  return utf8Length(JSON.stringify(emptyLongStrings(resource))) + 200 > INLINE_MAX_BYTES;
}

export const TOO_STRUCTURED =
  'The resource is too large to store: even with its long text held apart, its elements take more than 1,000,000 bytes. Send fewer elements (split it into several resources)';

/**
 * Content to write in a row: the same content, or, over the limit, its stand-in once the whole
 * is durable in the blob store (so a committed row never names a blob that is not there).
 */
export async function rowContent(blobs: Blobs | undefined, type: string, id: string, content: string): Promise<string> {
  if (!blobs || utf8Length(content) <= INLINE_MAX_BYTES) return content;
  const key = `${keyPrefix(type, id)}${await sha256(content)}`;
  await blobs.put(key, content);
  return standIn(content, key)!;
}

/**
 * Stored content made whole. The key must be this resource's own and the blob must hash to it,
 * so neither a stand-in copied under another id nor an edited blob is ever served.
 */
export async function wholeContent(blobs: Blobs | undefined, type: string, id: string, content: string): Promise<string> {
  if (!isSpilled(content)) return content;
  const named = (JSON.parse(content) as { $spilled: unknown }).$spilled;
  const prefix = keyPrefix(type, id);
  const key = typeof named === 'string' && named.startsWith(prefix) ? named : undefined;
  const whole = blobs && key ? await blobs.get(key) : undefined;
  if (!key || whole === undefined || (await sha256(whole)) !== key.slice(prefix.length)) {
    // The store's own fault (a missing or altered blob), never the requester's.
    throw new Error(`stored body of ${type}/${id} is missing or does not match its key`);
  }
  return whole;
}

/** The 413 a too-structured resource gets. */
export const tooStructuredError = () => FhirError.of(413, 'too-long', TOO_STRUCTURED);

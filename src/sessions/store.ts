import { eq, lt } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { webSessions } from '../db/schema.js';

export const randomToken = (bytes = 32) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function hash(value: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))));
}

/**
 * Server-side sign-in state for the pages: a login in progress or a session. Only a hash of
 * the id is stored, so the id held in the user's cookie is the only copy of the secret.
 */

/** A server-side record behind a random cookie: the cookie is the only copy of the secret. */
export async function createRecord(db: Database, kind: 'login' | 'session', data: unknown, expiresAt: Date): Promise<string> {
  const id = randomToken();
  await db.orm.delete(webSessions).where(lt(webSessions.expiresAt, new Date().toISOString()));
  await db.orm.insert(webSessions).values({ idHash: await hash(id), kind, data: JSON.stringify(data), expiresAt: expiresAt.toISOString() });
  return id;
}

export async function readRecord<T>(db: Database, kind: 'login' | 'session', id: string | undefined, now: Date): Promise<T | undefined> {
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const [row] = await db.orm
    .select()
    .from(webSessions)
    .where(eq(webSessions.idHash, await hash(id)));
  if (!row || row.kind !== kind || row.expiresAt <= now.toISOString()) return undefined;
  return JSON.parse(row.data) as T;
}

export async function updateRecord(db: Database, id: string, data: unknown): Promise<void> {
  await db.orm
    .update(webSessions)
    .set({ data: JSON.stringify(data) })
    .where(eq(webSessions.idHash, await hash(id)));
}

export async function deleteRecord(db: Database, id: string | undefined): Promise<void> {
  if (id) await db.orm.delete(webSessions).where(eq(webSessions.idHash, await hash(id)));
}

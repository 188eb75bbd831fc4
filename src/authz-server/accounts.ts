import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { accounts } from '../db/schema.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.js';

export type Account = Omit<typeof accounts.$inferSelect, 'passwordHash'>;

export interface Identity {
  username: string;
  name: string;
  role: string;
  fhirUser?: string;
  organization: string;
  patient?: string;
}

/** Creates the accounts that do not exist yet, each with the given password, hashed. */
export async function provisionAccounts(db: Database, identities: readonly Identity[], password: string): Promise<number> {
  let created = 0;
  for (const identity of identities) {
    const [existing] = await db.orm.select({ username: accounts.username }).from(accounts).where(eq(accounts.username, identity.username));
    if (existing) continue;
    await db.orm.insert(accounts).values({
      username: identity.username,
      passwordHash: await hashPassword(password),
      name: identity.name,
      role: identity.role,
      fhirUser: identity.fhirUser ?? null,
      organization: identity.organization,
      patient: identity.patient ?? null,
    });
    created++;
  }
  return created;
}

export async function findAccount(db: Database, username: string): Promise<Account | undefined> {
  const [row] = await db.orm.select().from(accounts).where(eq(accounts.username, username));
  if (!row) return undefined;
  const { passwordHash: _, ...account } = row;
  return account;
}

/** The account if the password is right. Unknown usernames cost the same time as wrong passwords. */
export async function authenticate(db: Database, username: string, password: string): Promise<Account | undefined> {
  const [row] = await db.orm.select().from(accounts).where(eq(accounts.username, username));
  const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_HASH);
  if (!row || !ok) return undefined;
  const { passwordHash: _, ...account } = row;
  return account;
}

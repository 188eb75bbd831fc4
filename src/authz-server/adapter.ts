import { and, eq, lt } from 'drizzle-orm';
import type { Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import type { Database } from '../db/database.js';
import { oidcPayloads } from '../db/schema.js';

/**
 * oidc-provider's storage contract over our database, one table for every model.
 *
 * - upsert(id, payload, expiresIn): store or replace; expiresIn seconds from now.
 * - find(id): the payload, with `consumed` set once consumed; nothing once expired or destroyed.
 * - findByUid(uid) (sessions), findByUserCode(code) (device flow, unused here).
 * - consume(id): mark used (authorization codes, so a second use is detected and refused).
 * - destroy(id), revokeByGrantId(grantId): remove one, or every token of a grant.
 *
 * Expired rows are invisible to find and removed by `sweepExpired`.
 *
 * Model 'Client' is different: `find` asks `findClient` (the registered backend clients, only
 * while active), so a client registered or suspended while running is seen at its next request;
 * oidc-provider answers its static clients (the public apps) before asking. Clients are never
 * written through here (no dynamic registration).
 */
export function drizzleAdapterFactory(
  db: Database,
  clock: () => Date,
  findClient: (id: string) => Promise<ClientMetadata | undefined> = async () => undefined,
) {
  const now = () => Math.floor(clock().getTime() / 1000);

  return class DrizzleAdapter implements Adapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are registered by an operator (npm run participants), not through oidc-provider');
      const row = {
        model: this.model,
        id,
        payload: JSON.stringify(payload),
        grantId: payload.grantId ?? null,
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expiresAt: expiresIn ? now() + expiresIn : null,
        consumedAt: null,
      };
      await db.orm
        .insert(oidcPayloads)
        .values(row)
        .onConflictDoUpdate({
          target: [oidcPayloads.model, oidcPayloads.id],
          set: { payload: row.payload, grantId: row.grantId, userCode: row.userCode, uid: row.uid, expiresAt: row.expiresAt },
        });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return (await findClient(id)) as AdapterPayload | undefined;
      const [row] = await db.orm
        .select()
        .from(oidcPayloads)
        .where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id)));
      return live(row);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const [row] = await db.orm
        .select()
        .from(oidcPayloads)
        .where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.uid, uid)));
      return live(row);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const [row] = await db.orm
        .select()
        .from(oidcPayloads)
        .where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.userCode, userCode)));
      return live(row);
    }

    async consume(id: string): Promise<void> {
      await db.orm
        .update(oidcPayloads)
        .set({ consumedAt: now() })
        .where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id)));
    }

    async destroy(id: string): Promise<void> {
      await db.orm.delete(oidcPayloads).where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id)));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.orm.delete(oidcPayloads).where(eq(oidcPayloads.grantId, grantId));
    }
  };

  function live(row: typeof oidcPayloads.$inferSelect | undefined): AdapterPayload | undefined {
    if (!row || (row.expiresAt !== null && row.expiresAt <= now())) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    return row.consumedAt !== null ? { ...payload, consumed: row.consumedAt } : payload;
  }
}

/** Deletes expired rows; run periodically so sessions and replay records do not pile up. */
export async function sweepExpired(db: Database, clock: () => Date): Promise<void> {
  await db.orm.delete(oidcPayloads).where(lt(oidcPayloads.expiresAt, Math.floor(clock().getTime() / 1000)));
}

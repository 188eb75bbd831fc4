import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { reports, vbpContracts } from '../db/schema.js';
import { validateContract, type Contract } from './contract.js';

/** Stores a contract (terms as JSON); the id is the contract's and never reused. */
export async function putContract(db: Database, c: Contract, createdAt: string): Promise<void> {
  await db.orm
    .insert(vbpContracts)
    .values({ id: c.id, payer: c.payer, organization: c.organization, terms: JSON.stringify(c), createdAt })
    .onConflictDoUpdate({ target: vbpContracts.id, set: { payer: c.payer, organization: c.organization, terms: JSON.stringify(c) } });
}

export async function contractById(db: Database, id: string): Promise<Contract | undefined> {
  const [row] = await db.orm.select().from(vbpContracts).where(eq(vbpContracts.id, id)).limit(1);
  return row ? validateContract(JSON.parse(row.terms)) : undefined;
}

export async function contractsOf(db: Database): Promise<Contract[]> {
  const rows = await db.orm.select().from(vbpContracts).orderBy(vbpContracts.id);
  return rows.map((r) => validateContract(JSON.parse(r.terms)));
}

export type ReportRow = typeof reports.$inferSelect;

export async function putReport(db: Database, row: ReportRow): Promise<void> {
  await db.orm.insert(reports).values(row);
}

export async function reportById(db: Database, id: string, kind: string): Promise<ReportRow | undefined> {
  const [row] = await db.orm
    .select()
    .from(reports)
    .where(and(eq(reports.id, id), eq(reports.kind, kind)))
    .limit(1);
  return row;
}

/** A contract's stored reports, newest first. */
export async function reportsOfContract(db: Database, contract: string, kind: string): Promise<ReportRow[]> {
  return db.orm
    .select()
    .from(reports)
    .where(and(eq(reports.contract, contract), eq(reports.kind, kind)))
    .orderBy(desc(reports.createdAt));
}

import contracts from '../../fixtures/vbp-contracts.json' with { type: 'json' };
import type { Database } from '../db/database.js';
import { validateContract } from './contract.js';
import { putContract } from './store.js';

/**
 * The synthetic region's value-based contracts (fixtures/vbp-contracts.json): each payer with
 * three clinics. Validated as any contract is, so a bad fixture fails the dev start loudly.
 * Idempotent: the dev start may call it on every start.
 */
export async function seedContracts(db: Database, createdAt = new Date().toISOString()): Promise<number> {
  for (const c of contracts as unknown[]) await putContract(db, validateContract(c), createdAt);
  return contracts.length;
}

import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * SHA-256 of the previous hash and this event's JSON, hex. Synchronous and portable (Node and
 * Workers): Web Crypto's digest is asynchronous, and awaiting it once per event serialised the
 * audit writer behind thread-pool round trips.
 */
export function chainHash(prevHash: string, content: string): string {
  return bytesToHex(sha256(utf8ToBytes(`${prevHash}\n${content}`)));
}

/** The hash the first event chains from. */
export const GENESIS = '0'.repeat(64);

export interface ChainRow {
  seq: number;
  content: string;
  prevHash: string;
  hash: string;
}

export type ChainProblem = { chain?: string; seq: number; problem: 'gap' | 'prev-hash' | 'hash' | 'kind' | 'columns' | 'ahead' };

/** Checks rows in seq order: consecutive numbers, each linked to the one before, each hash right. */
export async function verifyChain(
  rows: Iterable<ChainRow>,
  start: { seq: number; hash: string } = { seq: 0, hash: GENESIS },
): Promise<{ checked: number; problems: ChainProblem[]; last: { seq: number; hash: string } }> {
  const problems: ChainProblem[] = [];
  let expectedSeq = start.seq + 1;
  let prev = start.hash;
  let checked = 0;
  for (const row of rows) {
    if (row.seq !== expectedSeq) problems.push({ seq: row.seq, problem: 'gap' });
    if (row.prevHash !== prev) problems.push({ seq: row.seq, problem: 'prev-hash' });
    if (chainHash(row.prevHash, row.content) !== row.hash) problems.push({ seq: row.seq, problem: 'hash' });
    prev = row.hash;
    expectedSeq = row.seq + 1;
    checked++;
  }
  return { checked, problems, last: { seq: expectedSeq - 1, hash: prev } };
}

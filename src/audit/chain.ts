/** SHA-256 (Web Crypto, so the Worker can verify too) of the previous hash and this event's JSON, hex. */
export async function chainHash(prevHash: string, content: string): Promise<string> {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${prevHash}\n${content}`));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The hash the first event chains from. */
export const GENESIS = '0'.repeat(64);

export interface ChainRow {
  seq: number;
  content: string;
  prevHash: string;
  hash: string;
}

export type ChainProblem = { seq: number; problem: 'gap' | 'prev-hash' | 'hash' };

/** Checks rows in seq order: consecutive numbers, each linked to the one before, each hash right. */
export async function verifyChain(rows: Iterable<ChainRow>, start: { seq: number; hash: string } = { seq: 0, hash: GENESIS }): Promise<{ checked: number; problems: ChainProblem[]; last: { seq: number; hash: string } }> {
  const problems: ChainProblem[] = [];
  let expectedSeq = start.seq + 1;
  let prev = start.hash;
  let checked = 0;
  for (const row of rows) {
    if (row.seq !== expectedSeq) problems.push({ seq: row.seq, problem: 'gap' });
    if (row.prevHash !== prev) problems.push({ seq: row.seq, problem: 'prev-hash' });
    if ((await chainHash(row.prevHash, row.content)) !== row.hash) problems.push({ seq: row.seq, problem: 'hash' });
    prev = row.hash;
    expectedSeq = row.seq + 1;
    checked++;
  }
  return { checked, problems, last: { seq: expectedSeq - 1, hash: prev } };
}

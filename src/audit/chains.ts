import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { merkleRoot, openAnchor, type AnchorProblem, type ChainHead } from './anchors.js';
import type { ChainProblem } from './chain.js';
import type { AuditRow } from './rows.js';
import { walkChain, type TrailVerdict } from './verify.js';

/**
 * A trail made of many chains, wherever they are kept: a patient's chain in her Durable Object,
 * a shard's for events about no one (src/entry/worker/), or an export of either over HTTP.
 */
export interface ChainSource {
  /** Every chain the trail knows of (the anchor object's heads). */
  chainNames(): Promise<string[]>;
  /** A chain's rows in seq order, from its very bottom when `after` is undefined. */
  rows(chain: string, after: number | undefined, limit: number): Promise<AuditRow[]>;
  /** The hash a chain holds at `seq`, if it holds that event. */
  hashAt(chain: string, seq: number): Promise<string | undefined>;
  /** Every signed anchor (JWS), the trail's own. */
  anchors(): Promise<string[]>;
}

export interface ChainsVerdict extends TrailVerdict {
  chains: number;
}

/**
 * Walks every chain, then checks every anchor: signed by one of `jwks`, its root its heads'
 * root, and each head it lists still held by its chain with the same hash. A chain an anchor
 * names is walked even if the trail's list forgot it (a chain deleted whole, and its name with
 * it, is then found missing). `last` is the total and the Merkle root over every chain's end.
 */
export async function verifyChains(
  source: ChainSource,
  jwks: JSONWebKeySet | undefined,
  saved: readonly string[] = [],
  pageSize = 1000,
): Promise<ChainsVerdict> {
  const jwsList = [...(await source.anchors()), ...saved];
  const keys = jwks ? createLocalJWKSet(jwks) : undefined;
  const opened = keys ? await Promise.all(jwsList.map((jws) => openAnchor(jws, keys))) : [];
  const names = new Set(await source.chainNames());
  for (const claims of opened) if (typeof claims !== 'string') for (const h of claims.chains) names.add(h.chain);

  const problems: ChainProblem[] = [];
  const heads: ChainHead[] = [];
  let checked = 0;
  for (const chain of [...names].sort()) {
    const verdict = await walkChain((after, limit) => source.rows(chain, after, limit), pageSize);
    checked += verdict.checked;
    problems.push(...verdict.problems.map((p) => ({ ...p, chain })));
    heads.push({ chain, ...verdict.last });
  }

  const anchorProblems: AnchorProblem[] = [];
  for (let i = 0; i < opened.length; i++) {
    const claims = opened[i]!;
    if (typeof claims === 'string') {
      anchorProblems.push({ anchor: i, problem: claims });
      continue;
    }
    for (const h of claims.chains) {
      const hash = await source.hashAt(h.chain, h.seq);
      if (hash === undefined) anchorProblems.push({ anchor: i, chain: h.chain, seq: h.seq, problem: 'missing' });
      else if (hash !== h.hash) anchorProblems.push({ anchor: i, chain: h.chain, seq: h.seq, problem: 'changed' });
    }
  }
  return {
    checked,
    chains: names.size,
    problems,
    last: { seq: checked, hash: merkleRoot(heads.map((h) => `${h.chain}|${h.seq}|${h.hash}`)) },
    anchors: { checked: keys ? jwsList.length : 0, problems: anchorProblems },
  };
}

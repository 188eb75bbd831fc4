import type { Requester } from '../auth/requester.js';

declare const verified: unique symbol;

/**
 * An operator, as verified from their own token on this request. Every read and action of the
 * console takes one, so nothing here can be reached with a requester that was not checked to be
 * an operator (the type cannot be made but by `operatorOf`).
 */
export interface Operator {
  readonly account: string;
  readonly fhirUser?: string;
  readonly clientId: string;
  readonly tokenId: string;
  readonly [verified]: true;
}

/** The operator this requester is, or undefined for anyone else (patients, clinicians, researchers, backend clients). */
export function operatorOf(r: Requester | undefined): Operator | undefined {
  if (!r || r.kind !== 'person' || r.role !== 'operator') return undefined;
  return { account: r.subject, clientId: r.clientId, tokenId: r.tokenId, ...(r.fhirUser ? { fhirUser: r.fhirUser } : {}) } as Operator;
}

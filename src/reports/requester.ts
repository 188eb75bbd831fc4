import type { Requester } from '../auth/requester.js';
import { parseScopes } from '../auth/scopes.js';

/**
 * Whom a scheduled report is decided for: the party that receives it, as the gate decides any
 * request of theirs. A provider organization's gaps report is read for treatment (care
 * coordination: the default a clinician has), a contract's performance report as its payer
 * for health care operations. Built from the party alone, never from a token, and never for
 * more than that one purpose. The token id names the run, so decisions are memoised apart.
 */
export function reportRequester(party: { organization: string; kind: 'provider' | 'payer'; run: string }): Requester {
  const scope = 'system/*.rs';
  return {
    kind: 'system',
    subject: `reports:${party.organization}`,
    clientId: 'reports',
    organization: party.organization,
    clientKind: party.kind === 'payer' ? 'payer' : 'source',
    scopes: parseScopes(scope),
    scope,
    purposes: party.kind === 'payer' ? ['HOPERAT'] : ['TREAT'],
    tokenId: `report-${party.run}`,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
}

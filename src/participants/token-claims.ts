import type { Requester } from '../auth/requester.js';
import { parseScopes, within } from '../auth/scopes.js';
import type { BackendClient } from './types.js';

/**
 * Whether a backend client's token says what this deployment registered for it, and if not the
 * first claim that differs. Pure.
 *
 * The issuer puts the registered organization, agreement, kind and source in the token when it
 * issues it (src/authz-server/provider.ts), and every decision after reads them from the token:
 * the source a write is stored as, the organization and agreement a read is decided on. So a
 * token is taken only if each is exactly what the registry here holds now, and its purposes and
 * scopes lie within the registered ones. Otherwise a token signed by an issuer that holds other
 * registrations (a Worker's issuer is a Node deployment with its own), or issued before the
 * registration changed, would write as another source or read under another organization's
 * agreement (red team 9).
 */
export function claimMismatch(requester: Requester, client: BackendClient): string | undefined {
  if (requester.clientKind !== client.kind) return 'client kind';
  if (requester.organization !== client.organization) return 'organization';
  if (requester.dua !== client.dua) return 'data use agreement';
  if (requester.source !== client.sourceUri) return 'source';
  if (!requester.purposes.every((p) => client.purposes.includes(p))) return 'purpose of use';
  const registered = parseScopes(client.scope);
  if (!requester.scopes.every((s) => registered.some((r) => within(s, r)))) return 'scope';
  return undefined;
}

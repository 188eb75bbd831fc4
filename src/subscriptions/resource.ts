import type { SubscriptionRow } from './store.js';
import { SECRET_EXTENSION, SUBSCRIPTION_PROFILE } from './validate.js';

type Json = Record<string, unknown>;

/**
 * A Subscription as its subscriber reads it: the stored elements with what the server owns
 * (id, version, status, the last error) from the row, which delivery keeps current. The secret
 * is never part of it; `withSecret` adds it to the answer to a create only.
 */
export function subscriptionResource(row: SubscriptionRow, withSecret = false): Json {
  const stored = JSON.parse(row.resource) as Json;
  const extension = [...((stored.extension as Json[] | undefined) ?? []), ...(withSecret ? [{ url: SECRET_EXTENSION, valueString: row.secret }] : [])];
  const { extension: _e, ...rest } = stored;
  return {
    resourceType: 'Subscription',
    id: row.id,
    meta: { versionId: String(row.versionId), lastUpdated: row.updated, profile: [SUBSCRIPTION_PROFILE] },
    ...(extension.length > 0 ? { extension } : {}),
    ...rest,
    status: row.status,
    ...(row.status === 'error' && row.lastError ? { error: row.lastError } : {}),
  };
}

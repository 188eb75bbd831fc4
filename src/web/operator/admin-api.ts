import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { AppFetch, Fetcher } from '../sign-in.js';

/**
 * Calls the admin API in process with the operator's own token (as `fhirAs` does for the FHIR
 * API), so every rule and audit of `/admin/participants` applies to the console too.
 */
export function adminAs(c: Context<AppEnv>, appFetch: AppFetch, token: string): Fetcher {
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return Promise.resolve(appFetch()(new Request(`${c.var.deps.config.baseUrl}/admin${path}`, { ...init, headers })));
  };
}

/** The diagnostics of an OperationOutcome answer, in one sentence. */
export async function outcomeText(res: Response): Promise<string> {
  const body = (await res.json().catch(() => undefined)) as { issue?: { diagnostics?: string }[] } | undefined;
  const text = body?.issue
    ?.map((i) => i.diagnostics)
    .filter(Boolean)
    .join('; ');
  return text || `The change was refused (${res.status}).`;
}

/**
 * The resource server a request names by SMART's `aud`: one of `servers` (this gateway's FHIR
 * base and the trusted gateways'), or `fallback` when it names none of them.
 */
export function resourceNamed(aud: unknown, servers: ReadonlySet<string>, fallback: string): string {
  const named = typeof aud === 'string' ? aud.replace(/\/$/, '') : undefined;
  return named !== undefined && servers.has(named) ? named : fallback;
}

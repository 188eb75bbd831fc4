import { z } from 'zod';
import { FhirError } from '../fhir/errors.js';
import type { ClientInput, DuaVersionInput, OrganizationInput } from '../participants/index.js';
import { REASON_MAX } from '../participants/index.js';

/**
 * The shapes the operator's participant API takes, checked at the edge before any operation
 * sees them: JSON types and lengths only (what the values mean is the participants' own
 * validation). Without this an object where a string belongs (`{"toString": 1}`) reached code
 * that printed it, and a 3 MB name reached the database: both were 500s (red team 9). Unknown
 * fields are refused, not dropped.
 */
const id = z.string().max(64);
const reference = z.string().max(80);
const name = z.string().max(200);
const uri = z.string().max(2048);
const jwkValue = z.union([z.string().max(8192), z.boolean(), z.array(z.string().max(64)).max(16)]);

const organization = z.strictObject({ reference, name, kind: z.string().max(20) });

const client = z.strictObject({
  clientId: id,
  name,
  kind: z.string().max(20),
  organization: reference,
  sourceUri: uri.optional(),
  scope: z.string().max(4000),
  // A list, or the CLI's space-separated words.
  purposes: z.union([z.array(z.string().max(20)).max(32), z.string().max(700)]),
  jwks: z.strictObject({ keys: z.array(z.record(z.string().max(64), jwkValue)).max(16) }).optional(),
  jwksUri: uri.optional(),
  dua: id.optional(),
});

const line = z.strictObject({ purpose: z.string().max(20), cls: z.string().max(64), category: z.string().max(20), scope: z.string().max(20) });

const duaVersion = z.strictObject({
  dua: id,
  organization: reference,
  start: z.string().max(64),
  end: z.string().max(64).optional(),
  lines: z.array(line).max(1000),
  version: z.number().int().min(1).max(1_000_000).optional(),
  status: z.string().max(20).optional(),
});

const end = z.strictObject({ end: z.string().max(64) });
const reason = z.strictObject({ reason: z.string().max(REASON_MAX).optional() });

function parsed<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new FhirError(
    400,
    result.error.issues.slice(0, 20).map((issue) => ({
      code: 'structure' as const,
      diagnostics: issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
      ...(issue.path.length > 0 ? { expression: issue.path.join('.') } : {}),
    })),
  );
}

export const organizationBody = (body: unknown): OrganizationInput => parsed(organization, body);

export function clientBody(body: unknown): ClientInput {
  const input = parsed(client, body);
  return { ...input, purposes: typeof input.purposes === 'string' ? input.purposes.split(/\s+/).filter(Boolean) : input.purposes };
}

export function duaVersionBody(body: unknown): DuaVersionInput {
  const input = parsed(duaVersion, body);
  return { ...input, end: input.end ?? '' };
}

export const endBody = (body: unknown): { end: string } => parsed(end, body);
export const reasonBody = (body: unknown): { reason?: string | undefined } => parsed(reason, body);

/** A DUA version number in a path: decimal digits only (`0x1` and `1e0` are not version 1). */
export function versionParam(value: string): number {
  if (!/^[1-9]\d{0,6}$/.test(value)) throw FhirError.of(400, 'value', `'${value.slice(0, 40)}' is not a version number`);
  return Number(value);
}

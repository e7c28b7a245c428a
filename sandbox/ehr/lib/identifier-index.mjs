// Maps resourceType + identifier system + value to the ids of the live resources holding it.
// MemoryRepository answers identifier searches by scanning every resource of the type, which
// crawls once thousands of Synthea resources are loaded; this index answers them directly.
// SandboxRepository tells it about every stored version and every delete.

const SEPARATOR = '\u0000';

export function identifierKey(resourceType, system, value) {
  return [resourceType, system, value].join(SEPARATOR);
}

// Most types hold a list of identifiers, a few (Bundle, QuestionnaireResponse) a single one.
export function identifiersOf(resource) {
  const field = resource?.identifier;
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list
    .filter((id) => typeof id?.system === 'string' && typeof id?.value === 'string')
    .map(({ system, value }) => ({ system, value }));
}

export class IdentifierIndex {
  #idsByKey = new Map();

  add(resourceType, id, identifiers) {
    for (const { system, value } of identifiers) {
      const key = identifierKey(resourceType, system, value);
      let ids = this.#idsByKey.get(key);
      if (!ids) {
        ids = new Set();
        this.#idsByKey.set(key, ids);
      }
      ids.add(id);
    }
  }

  remove(resourceType, id, identifiers) {
    for (const { system, value } of identifiers) {
      const key = identifierKey(resourceType, system, value);
      const ids = this.#idsByKey.get(key);
      ids?.delete(id);
      if (ids?.size === 0) {
        this.#idsByKey.delete(key);
      }
    }
  }

  lookup(key) {
    return [...(this.#idsByKey.get(key) ?? [])].sort();
  }

  // Every identifier value of `system` held by more than one resource of the same type.
  duplicates(system) {
    const found = [];
    for (const [key, ids] of this.#idsByKey) {
      const [resourceType, keySystem, value] = key.split(SEPARATOR);
      if (keySystem === system && ids.size > 1) {
        found.push({ resourceType, identifier: { system, value }, ids: [...ids].sort() });
      }
    }
    return found.sort(
      (a, b) =>
        a.resourceType.localeCompare(b.resourceType) ||
        a.identifier.value.localeCompare(b.identifier.value)
    );
  }
}

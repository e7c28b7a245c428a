// Maps "Type/id" to the resources whose references mention it.
//
// MemoryRepository answers a search by evaluating it against every resource of the type, which
// takes around a second for `Observation?patient=...` once the Synthea patients are loaded. A
// search that pins a reference parameter to one resource can only match resources that mention
// that resource, so the repository evaluates the full search against those candidates alone.

export function referencesIn(resource) {
  const found = new Set();
  collect(resource, found);
  return found;
}

function collect(value, found) {
  if (Array.isArray(value)) {
    value.forEach((item) => collect(item, found));
    return;
  }
  if (value === null || typeof value !== 'object') {
    return;
  }
  for (const [key, field] of Object.entries(value)) {
    if (key === 'reference' && typeof field === 'string' && /^[A-Za-z]+\/[^/]+$/.test(field)) {
      found.add(field);
    } else {
      collect(field, found);
    }
  }
}

export class ReferenceIndex {
  #mentionedBy = new Map();

  add(resourceType, id, references) {
    const holder = `${resourceType}/${id}`;
    for (const reference of references) {
      let holders = this.#mentionedBy.get(reference);
      if (!holders) {
        holders = new Set();
        this.#mentionedBy.set(reference, holders);
      }
      holders.add(holder);
    }
  }

  remove(resourceType, id, references) {
    const holder = `${resourceType}/${id}`;
    for (const reference of references) {
      const holders = this.#mentionedBy.get(reference);
      holders?.delete(holder);
      if (holders?.size === 0) {
        this.#mentionedBy.delete(reference);
      }
    }
  }

  // Ids of resources of `resourceType` that mention `reference`.
  mentioning(reference, resourceType) {
    const prefix = `${resourceType}/`;
    return [...(this.#mentionedBy.get(reference) ?? [])]
      .filter((holder) => holder.startsWith(prefix))
      .map((holder) => holder.slice(prefix.length));
  }
}

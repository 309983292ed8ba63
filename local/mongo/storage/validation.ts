/**
 * A collection validator: `$jsonSchema`, query operators, or both. `failure` answers the
 * `errInfo.details` a real server reports for a document that does not pass, or null.
 */
import { isPlainObject } from "../bson-values.ts";
import { compileJsonSchema, describeValidationFailure } from "../json-schema.ts";
import type { JsonSchemaFailure } from "../json-schema.ts";
import { compileFilter } from "../query/match.ts";
import type { Doc } from "../query/paths.ts";

export interface Validator {
  failure(doc: Doc): Doc | null;
}

export function compileValidator(validator: Doc): Validator {
  const schema = isPlainObject(validator.$jsonSchema) ? compileJsonSchema(validator.$jsonSchema) : undefined;
  const matches = compileFilter(validator, {
    jsonSchema: (nested) => {
      const compiled = nested === validator.$jsonSchema && schema ? schema : compileJsonSchema(nested);
      return (doc) => compiled.validate(doc) === null;
    },
  });
  return {
    failure(doc) {
      if (matches(doc)) return null;
      const schemaFailure: JsonSchemaFailure | null = schema ? schema.validate(doc) : null;
      return describeValidationFailure(validator, doc, schemaFailure);
    },
  };
}

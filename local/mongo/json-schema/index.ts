/**
 * MongoDB's `$jsonSchema` (the draft-4 subset plus `bsonType`, as MongoDB 8.0 implements it)
 * and the errInfo.details a DocumentValidationFailure (121) carries.
 */
import { compileSchema } from "./compile.ts";
import { explainSchema, matchesSchema } from "./evaluate.ts";
import type { Detail } from "./values.ts";
import { describeQuery } from "./validator-details.ts";

/** The `details` object of errInfo for a document a $jsonSchema rejects. */
export type JsonSchemaFailure = Record<string, unknown>;

export interface CompiledJsonSchema {
  /** null when the document is valid; otherwise the `details` object MongoDB puts in errInfo.details. */
  validate(doc: Record<string, unknown>): JsonSchemaFailure | null;
}

/**
 * Compiles a $jsonSchema document; throws CommandError (FailedToParse 9, TypeMismatch 14,
 * BadValue 2, or 51091 for a bad regex) with the server's message for an invalid schema.
 */
export function compileJsonSchema(schema: Record<string, unknown>): CompiledJsonSchema {
  const root = compileSchema(schema, true);
  return {
    validate(doc) {
      if (matchesSchema(root, doc)) return null;
      const details = explainSchema(root, doc);
      if (!Array.isArray(details)) return details;
      return { operatorName: "$jsonSchema", ...root.annotations, schemaRulesNotSatisfied: details };
    },
  };
}

/**
 * The full errInfo.details for a document that failed `validator`: the schema's own failure
 * for a pure $jsonSchema validator, otherwise the server's per-clause description (an implicit
 * `$and` when the validator has several top-level clauses). `schemaFailure` is the caller's
 * result for the validator's top-level $jsonSchema, if it has one.
 */
export function describeValidationFailure(
  validator: Record<string, unknown>,
  doc: Record<string, unknown>,
  schemaFailure: JsonSchemaFailure | null,
): Record<string, unknown> {
  const ownSchema = validator.$jsonSchema;
  const judge = (spec: unknown): Detail | null | undefined => {
    if (spec === ownSchema && schemaFailure) return schemaFailure;
    try {
      return compileJsonSchema(spec as Record<string, unknown>).validate(doc);
    } catch {
      return undefined;
    }
  };
  return describeQuery(validator, doc, judge);
}

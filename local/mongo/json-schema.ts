/** `$jsonSchema` and document-validation error details; the implementation lives in ./json-schema/. */
export { compileJsonSchema, describeValidationFailure } from "./json-schema/index.ts";
export type { CompiledJsonSchema, JsonSchemaFailure } from "./json-schema/index.ts";

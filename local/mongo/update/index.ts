/**
 * MongoDB's operator-update language as a real 8.0 server applies it: parsing and validating
 * `{$set: …, $inc: …}` updates, applying them to documents, and seeding upserted documents.
 */
export { applyOperatorUpdate, validateOperatorUpdate } from "./apply.ts";
export { isReplacement } from "./tree.ts";
export { seedUpsertDocument } from "./upsert.ts";
export type { UpdateContext } from "./types.ts";

/**
 * What `update` and `findAndModify` share: finding the documents a statement targets, turning
 * one document into its updated form (operator update, replacement or pipeline), and upserting.
 */
import { ObjectId, type Document } from "bson";
import { runPipeline } from "../aggregate/pipeline.ts";
import { cloneValue, isPlainObject, valuesEqual } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { sortDocuments } from "../query/sort.ts";
import type { Doc } from "../query/paths.ts";
import type { CollectionStore } from "../storage/collection-store.ts";
import { planQuery } from "../storage/planner.ts";
import { applyOperatorUpdate, isReplacement, seedUpsertDocument, validateOperatorUpdate } from "../update/index.ts";
import { pipelineOptions } from "./read.ts";
import type { CommandContext } from "./context.ts";

export interface ModifySpec {
  query: Doc;
  update: Doc | Doc[];
  arrayFilters?: Doc[];
  collation?: Doc;
  variables?: Doc;
  hint?: unknown;
  sort?: Doc;
}

export type UpdateKind = "operators" | "replacement" | "pipeline";

/** Checks the update's form before any document is touched; returns which kind it is. */
export function updateKind(spec: ModifySpec): UpdateKind {
  if (Array.isArray(spec.update)) return "pipeline";
  if (!isPlainObject(spec.update)) throw new CommandError(ErrorCodes.FailedToParse, "Update argument must be either an object or an array");
  if (isReplacement(spec.update)) {
    if (spec.arrayFilters?.length) throw new CommandError(ErrorCodes.FailedToParse, "arrayFilters may not be specified for non-operator updates");
    return "replacement";
  }
  validateOperatorUpdate(spec.update, spec.arrayFilters);
  return "operators";
}

/** Documents matching the statement's query, in sort order when one is given. */
export function targets(ctx: CommandContext, collection: CollectionStore, spec: ModifySpec, firstOnly: boolean): Doc[] {
  const collation = spec.collation ?? collection.options.collation;
  const plan = planQuery(collection, spec.query, { hint: spec.hint, collation });
  const matches = collection.matcher(spec.query, { collation, variables: spec.variables });
  const found: Doc[] = [];
  const hasSort = spec.sort && Object.keys(spec.sort).length > 0;
  for (const doc of plan.candidates) {
    ctx.state.queryExecutor.scannedObjects++;
    if (!matches(doc)) continue;
    found.push(doc);
    if (firstOnly && !hasSort) break;
  }
  const ordered = hasSort ? sortDocuments(found, spec.sort!, collation) : found;
  return firstOnly ? ordered.slice(0, 1) : ordered;
}

/** The updated copy of `doc` and whether it differs; the stored document is left untouched. */
export function updatedDocument(ctx: CommandContext, doc: Doc, spec: ModifySpec, kind: UpdateKind, isUpsertInsert = false): { doc: Doc; changed: boolean } {
  let next: Doc;
  let changed: boolean;
  if (kind === "replacement") {
    checkReplacementFields(spec.update as Doc);
    next = { _id: doc._id, ...cloneValue(spec.update as Doc) };
    changed = true;
  } else if (kind === "pipeline") {
    [next] = runPipeline([doc], spec.update as Doc[], pipelineOptions(ctx, spec.collation, spec.variables));
    // A pipeline whose result drops _id keeps the original one, as the server does.
    if (next._id === undefined && doc._id !== undefined) next = { _id: doc._id, ...next };
    changed = true;
  } else {
    next = cloneValue(doc);
    changed = applyOperatorUpdate(next, spec.update as Doc, {
      arrayFilters: spec.arrayFilters,
      query: spec.query,
      isUpsertInsert,
      now: new Date(),
      queryOptions: { collation: spec.collation, variables: spec.variables },
    });
  }
  if (doc._id !== undefined && !valuesEqual(next._id, doc._id)) {
    throw new CommandError(ErrorCodes.ImmutableField, `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${String(next._id)}`);
  }
  if (kind !== "operators") changed = !sameDocument(doc, next);
  return { doc: next, changed };
}

/** Inserts the document an upsert creates and returns it. */
export function upsert(ctx: CommandContext, collection: CollectionStore, spec: ModifySpec, kind: UpdateKind, bypassDocumentValidation: boolean): Doc {
  const seed = kind === "replacement" ? pickId(seedUpsertDocument(spec.query)) : seedUpsertDocument(spec.query);
  let doc: Doc;
  if (kind === "replacement") {
    checkReplacementFields(spec.update as Doc);
    doc = { ...seed, ...cloneValue(spec.update as Doc) };
  } else {
    doc = updatedDocument(ctx, seed, spec, kind, true).doc;
  }
  if (doc._id === undefined) doc = { _id: new ObjectId(), ...doc };
  else if (Object.keys(doc)[0] !== "_id") {
    const { _id, ...rest } = doc;
    doc = { _id, ...rest };
  }
  collection.insert(doc, { bypassDocumentValidation });
  return doc;
}

/** A replacement may not start a top-level field with `$` (it would read as an operator). */
function checkReplacementFields(replacement: Doc): void {
  const dollar = Object.keys(replacement).find((key) => key.startsWith("$"));
  if (dollar) {
    throw new CommandError(ErrorCodes.DollarPrefixedFieldName, `The dollar ($) prefixed field '${dollar}' in '${dollar}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`);
  }
}

const pickId = (seed: Doc): Doc => (seed._id === undefined ? {} : { _id: seed._id });

/** Same fields in the same order with the same BSON types: what decides `nModified`. */
function sameDocument(a: Document, b: Document): boolean {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((k, i) => k === keysB[i] && valuesEqual(a[k], b[k]));
}

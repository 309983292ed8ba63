/**
 * Plans for the operators only an index can answer. `$near`/`$nearSphere` walk a 2dsphere index
 * outwards from their centre, so documents come out nearest first and the walk stops at
 * `$maxDistance`; without such an index the query fails (291) as on a real server. `$text` reads
 * the text index's postings for its terms, and each candidate carries its textScore.
 */
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes, badValue } from "../errors.ts";
import { NEAR_OPERATORS, parseNear, type NearQuery } from "../query/geo.ts";
import { withMetadata } from "../query/metadata.ts";
import { checkPlacement } from "../query/planned-operators.ts";
import type { Doc } from "../query/paths.ts";
import { textQueryFor } from "../query/text.ts";
import type { CollectionStore } from "./collection-store.ts";
import type { IndexStore } from "./index-store.ts";
import type { Plan } from "./planner.ts";

export function specialPlan(collection: CollectionStore, filter: Doc, hint: unknown): Plan | undefined {
  // Placement errors come before planning errors, as the server checks the query first.
  checkPlacement(filter);
  const near = findNear(filter);
  if (near) {
    const query = parseNear(near.operators);
    const index = geoIndexFor(collection, near.field, query);
    return {
      index: index.name,
      candidates: nearCandidates(collection, index, near.field, query),
      access: { stage: "GEO_NEAR_2DSPHERE", keyPattern: index.spec.key, indexName: index.name, indexVersion: 2 },
    };
  }
  const text = findText(filter);
  return text === undefined ? undefined : textPlan(collection, filter, text, hint);
}

/** The field and operators of the query's `$near` (top level or in a top-level `$and`). */
function findNear(filter: Doc): { field: string; operators: Doc } | undefined {
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" && Array.isArray(value)) {
      for (const clause of value) {
        const found = isPlainObject(clause) ? findNear(clause) : undefined;
        if (found) return found;
      }
    } else if (!key.startsWith("$") && isPlainObject(value) && NEAR_OPERATORS.some((operator) => operator in value)) {
      return { field: key, operators: value };
    }
  }
  return undefined;
}

function findText(filter: Doc): unknown {
  if (filter.$text !== undefined) return filter.$text;
  if (!Array.isArray(filter.$and)) return undefined;
  for (const clause of filter.$and) {
    const found = isPlainObject(clause) ? findText(clause) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

const usable = (collection: CollectionStore) => [...collection.indexes.values()].filter((index) => !index.spec.hidden);

/** The 2dsphere index a near query on `field` walks; legacy `$near` would need a 2d index. */
export function geoIndexFor(collection: CollectionStore, field: string, near: NearQuery): IndexStore {
  const indexes = usable(collection);
  if (near.units !== "flat") {
    const index = indexes.find((candidate) => candidate.geo && candidate.spec.key[field] === "2dsphere");
    if (index) return index;
  } else if (indexes.some((candidate) => candidate.spec.key[field] === "2d")) {
    throw new CommandError(ErrorCodes.NotImplemented, "$near on a 2d index (flat distances) is not supported by the local MongoDB stand-in; use a 2dsphere index and GeoJSON points");
  }
  throw new CommandError(ErrorCodes.NoQueryExecutionPlans, "error processing query: planner returned error :: caused by :: unable to find index for $geoNear query");
}

function* nearCandidates(collection: CollectionStore, index: IndexStore, field: string, near: NearQuery): Generator<Doc> {
  for (const hit of index.geo!.nearest(field, near)) {
    const doc = collection.docs.get(hit.docKey);
    if (doc) yield doc;
  }
}

function textPlan(collection: CollectionStore, filter: Doc, argument: unknown, hint: unknown): Plan {
  if (hint !== undefined && hint !== null && !(isPlainObject(hint) && Object.keys(hint).length === 0)) throw badValue("text and hint not allowed in same query");
  const { query } = textQueryFor(argument, collection.indexes.values());
  const index = usable(collection).find((candidate) => candidate.text);
  if (!index) throw new CommandError(ErrorCodes.IndexNotFound, "text index required for $text query");
  for (const field of index.text!.spec.prefixFields) {
    if (!hasEquality(filter, field)) {
      throw new CommandError(ErrorCodes.NoQueryExecutionPlans, "error processing query: planner returned error :: caused by :: failed to use text index to satisfy $text query (if text index is compound, are equality predicates given for all prefix fields?)");
    }
  }
  const scores = index.text!.scores(query.termsForBounds);
  return {
    index: index.name,
    candidates: textCandidates(collection, scores),
    access: {
      stage: "TEXT_MATCH",
      indexPrefix: {},
      indexName: index.name,
      parsedTextQuery: { terms: query.termsForBounds },
      textIndexVersion: 3,
      inputStage: { stage: "TEXT_OR", inputStage: { stage: "IXSCAN", keyPattern: index.spec.key, indexName: index.name, isMultiKey: true, direction: "backward" } },
    },
  };
}

function hasEquality(filter: Doc, field: string): boolean {
  const condition = filter[field];
  if (condition !== undefined && (!isPlainObject(condition) || Object.keys(condition).every((k) => !k.startsWith("$")) || "$eq" in condition)) return true;
  return Array.isArray(filter.$and) && filter.$and.some((clause) => isPlainObject(clause) && hasEquality(clause, field));
}

function* textCandidates(collection: CollectionStore, scores: Map<string, number>): Generator<Doc> {
  for (const [docKey, textScore] of scores) {
    const doc = collection.docs.get(docKey);
    if (doc) yield withMetadata(doc, { textScore });
  }
}

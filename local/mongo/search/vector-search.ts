/**
 * `$vectorSearch`, as Atlas answers it, computed exactly: every stored vector under the index's
 * path (of the index's dimensions) is scored against `queryVector`, documents failing `filter`
 * (on paths the index declares as filter fields) are left out, and the `limit` best come out with
 * their vectorSearchScore, normalized as Atlas documents it: cosine (1 + cos) / 2, dotProduct
 * (1 + dot) / 2, euclidean 1 / (1 + distance). An approximate search (`numCandidates`) returns
 * the same exact neighbours. Errors Atlas reports from its search process carry code 8.
 */
import { isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileFilter } from "../query/match.ts";
import { withMetadata } from "../query/metadata.ts";
import { getPath, type Doc } from "../query/paths.ts";
import type { CollectionStore } from "../storage/collection-store.ts";
import { searchIndexesOf, vectorFields, type VectorField } from "./search-indexes.ts";

const searchError = (message: string) => new CommandError(ErrorCodes.UnknownError, `PlanExecutor error during aggregation :: caused by :: ${message}`);

interface VectorSearchSpec {
  index: string;
  path: string;
  queryVector: number[];
  limit: number;
  filter?: Doc;
}

const FIELDS = new Set(["index", "path", "queryVector", "numCandidates", "limit", "filter", "exact"]);
const FILTER_OPERATORS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$not"]);
const MAX_CANDIDATES = 10_000;

function parseSpec(raw: unknown): VectorSearchSpec {
  if (!isPlainObject(raw)) throw searchError('"$vectorSearch" must be a document');
  for (const key of Object.keys(raw)) if (!FIELDS.has(key)) throw searchError(`"$vectorSearch.${key}" is not a recognized field`);
  for (const key of ["index", "path"]) {
    if (raw[key] === undefined) throw searchError(`"${key}" is required`);
    if (typeof raw[key] !== "string") throw searchError(`"${key}" must be a string`);
  }
  const vector = raw.queryVector;
  if (vector === undefined) throw searchError('"queryVector" is required');
  if (!Array.isArray(vector) || vector.length === 0 || !vector.every(isNumeric)) throw searchError('"queryVector" must be a non-empty array of numbers');
  if (raw.limit === undefined) throw searchError('"limit" is required');
  const limit = isNumeric(raw.limit) ? toNumber(raw.limit) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1) throw searchError('"limit" must be a positive integer');
  if (raw.exact !== undefined && typeof raw.exact !== "boolean") throw searchError('"exact" must be a boolean');
  if (raw.exact === true) {
    if (raw.numCandidates !== undefined) throw searchError('"numCandidates" is not allowed when "exact" is true');
  } else {
    if (raw.numCandidates === undefined) throw searchError("numCandidates is required for approximate vector search");
    const candidates = isNumeric(raw.numCandidates) ? toNumber(raw.numCandidates) : Number.NaN;
    if (!Number.isInteger(candidates) || candidates < 1 || candidates > MAX_CANDIDATES) throw searchError(`"numCandidates" must be within bounds [1..${MAX_CANDIDATES}]`);
    if (candidates < limit) throw searchError('"numCandidates" must be greater than or equal to "limit"');
  }
  if (raw.filter !== undefined && !isPlainObject(raw.filter)) throw searchError('"filter" must be a document');
  return { index: raw.index as string, path: raw.path as string, queryVector: vector.map(toNumber), limit, filter: raw.filter as Doc | undefined };
}

/** A pre-filter may only use the index's filter fields, with the operators Atlas supports. */
function checkFilter(filter: Doc, filterPaths: string[]): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (!Array.isArray(value)) throw searchError(`"${key}" must be an array`);
      for (const clause of value) if (isPlainObject(clause)) checkFilter(clause, filterPaths);
      continue;
    }
    if (key.startsWith("$")) throw searchError(`Operator "${key}" is not supported in a $vectorSearch filter`);
    if (!filterPaths.includes(key)) throw searchError(`Path '${key}' needs to be indexed as filter`);
    if (isPlainObject(value) && Object.keys(value).some((op) => op.startsWith("$"))) {
      for (const op of Object.keys(value)) if (!FILTER_OPERATORS.has(op)) throw searchError(`Operator "${op}" is not supported in a $vectorSearch filter`);
    }
  }
}

const SIMILARITY: Record<VectorField["similarity"], (a: number[], b: number[]) => number | undefined> = {
  cosine: (a, b) => {
    const norms = Math.hypot(...a) * Math.hypot(...b);
    return norms === 0 ? undefined : (1 + dot(a, b) / norms) / 2;
  },
  dotProduct: (a, b) => (1 + dot(a, b)) / 2,
  euclidean: (a, b) => 1 / (1 + Math.sqrt(a.reduce((sum, x, i) => sum + (x - b[i]) ** 2, 0))),
};

function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** A stored vector of the index's dimensions, or undefined (such documents are not indexed). */
function storedVector(doc: Doc, field: VectorField): number[] | undefined {
  const value = getPath(doc, field.path);
  if (!Array.isArray(value) || value.length !== field.numDimensions || !value.every(isNumeric)) return undefined;
  return value.map(toNumber);
}

export function vectorSearchDocuments(collection: CollectionStore | undefined, raw: unknown): Doc[] {
  const spec = parseSpec(raw);
  if (!collection) return [];
  // Atlas answers a query on an index that does not exist (yet) with no documents, not an error.
  const index = searchIndexesOf(collection).find((candidate) => candidate.name === spec.index && candidate.type === "vectorSearch");
  if (!index) return [];
  const { vectors, filters } = vectorFields(index);
  const field = vectors.find((candidate) => candidate.path === spec.path);
  if (!field) throw searchError(`Path '${spec.path}' needs to be indexed as vector`);
  if (spec.queryVector.length !== field.numDimensions) {
    throw searchError(`vector field is indexed with ${field.numDimensions} dimensions but queried with ${spec.queryVector.length}`);
  }
  let matches: ((doc: Doc) => boolean) | undefined;
  if (spec.filter) {
    checkFilter(spec.filter, filters);
    matches = compileFilter(spec.filter);
  }
  const scored: Array<{ doc: Doc; score: number }> = [];
  for (const doc of collection.docs.values()) {
    const vector = storedVector(doc, field);
    if (!vector || (matches && !matches(doc))) continue;
    const score = SIMILARITY[field.similarity](spec.queryVector, vector);
    if (score !== undefined) scored.push({ doc, score });
  }
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, spec.limit).map(({ doc, score }) => withMetadata(doc, { vectorSearchScore: score }));
}

/**
 * Atlas search indexes: the definitions `createSearchIndexes` stores per collection and
 * `$listSearchIndexes` lists. They are journaled with the data (a `searchIndexes` record holding
 * the collection's whole list), so they survive a restart with --dbpath. Every index is READY at
 * once: `$vectorSearch` compares against the stored documents directly (an exact search), so
 * there is nothing to build. Vector definitions are checked as Atlas checks them.
 */
import { ObjectId } from "bson";
import { isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import type { Doc } from "../query/paths.ts";
import type { CollectionStore } from "../storage/collection-store.ts";
import type { JournalSink } from "../storage/journal.ts";

export interface SearchIndex {
  id: string;
  name: string;
  type: "search" | "vectorSearch";
  definition: Doc;
  version: number;
  createdAt: Date;
}

export interface VectorField {
  type: "vector";
  path: string;
  numDimensions: number;
  similarity: "euclidean" | "cosine" | "dotProduct";
}

const SIMILARITIES = ["euclidean", "cosine", "dotProduct"];
const QUANTIZATIONS = ["none", "scalar", "binary"];
const MAX_DIMENSIONS = 8192;

const byCollection = new WeakMap<CollectionStore, SearchIndex[]>();

export const searchIndexesOf = (collection: CollectionStore): SearchIndex[] => byCollection.get(collection) ?? [];

/** Replaces a collection's search indexes, recording the new list when `journal` is given. */
export function setSearchIndexes(collection: CollectionStore, indexes: SearchIndex[], journal?: JournalSink): void {
  byCollection.set(collection, indexes);
  journal?.append({ op: "searchIndexes", db: collection.dbName, coll: collection.name, indexes });
}

const invalid = (message: string) => new CommandError(ErrorCodes.BadValue, `Invalid index definition: ${message}`);

/** A new index from a `createSearchIndexes` entry: `{ name = "default", type = "search", definition }`. */
export function newSearchIndex(raw: unknown): SearchIndex {
  if (!isPlainObject(raw)) throw new CommandError(ErrorCodes.TypeMismatch, "Each search index specification must be an object");
  const name = raw.name ?? "default";
  const type = raw.type ?? "search";
  if (typeof name !== "string" || !name) throw new CommandError(ErrorCodes.TypeMismatch, "search index 'name' must be a non-empty string");
  if (type !== "search" && type !== "vectorSearch") throw new CommandError(ErrorCodes.BadValue, `Invalid search index type: ${String(type)}; valid types are "search" and "vectorSearch"`);
  return { id: new ObjectId().toHexString(), name, type, definition: checkDefinition(type, raw.definition), version: 0, createdAt: new Date() };
}

export function checkDefinition(type: SearchIndex["type"], definition: unknown): Doc {
  if (!isPlainObject(definition)) throw new CommandError(ErrorCodes.FailedToParse, "BSON field 'definition' is missing or not an object");
  if (type === "search") return definition;
  const { fields } = definition;
  if (!Array.isArray(fields) || fields.length === 0) throw invalid('"fields" must be a non-empty array');
  fields.forEach((field, i) => {
    if (!isPlainObject(field)) throw invalid(`"fields[${i}]" must be an object`);
    if (typeof field.path !== "string" || !field.path) throw invalid(`"fields[${i}].path" must be a non-empty string`);
    if (field.type === "filter") return;
    if (field.type !== "vector") throw invalid(`"fields[${i}].type" must be one of [vector, filter]`);
    const dimensions = isNumeric(field.numDimensions) ? toNumber(field.numDimensions) : Number.NaN;
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) throw invalid(`"fields[${i}].numDimensions" must be an integer between 1 and ${MAX_DIMENSIONS}`);
    if (!SIMILARITIES.includes(field.similarity as string)) throw invalid(`"fields[${i}].similarity" must be one of [${SIMILARITIES.join(", ")}]`);
    if (field.quantization !== undefined && !QUANTIZATIONS.includes(field.quantization as string)) throw invalid(`"fields[${i}].quantization" must be one of [${QUANTIZATIONS.join(", ")}]`);
  });
  if (!fields.some((field) => (field as Doc).type === "vector")) throw invalid('a vectorSearch index needs at least one field of type "vector"');
  return definition;
}

/** `$listSearchIndexes: { name?, id? }`, shaped as Atlas lists them. */
export function listSearchIndexes(collection: CollectionStore | undefined, raw: unknown): Doc[] {
  if (!isPlainObject(raw)) throw new CommandError(ErrorCodes.FailedToParse, "$listSearchIndexes value must be an object");
  for (const [key, value] of Object.entries(raw)) {
    if (key !== "name" && key !== "id") throw new CommandError(40415, `BSON field '$listSearchIndexes.${key}' is an unknown field.`);
    if (typeof value !== "string") throw new CommandError(ErrorCodes.TypeMismatch, `BSON field '$listSearchIndexes.${key}' is the wrong type, expected type 'string'`);
  }
  if (raw.name !== undefined && raw.id !== undefined) throw new CommandError(ErrorCodes.InvalidOptions, "Cannot set both 'name' and 'id' for $listSearchIndexes.");
  if (!collection) return [];
  return searchIndexesOf(collection)
    .filter((index) => (raw.name === undefined || index.name === raw.name) && (raw.id === undefined || index.id === raw.id))
    .map((index) => ({
      id: index.id,
      name: index.name,
      type: index.type,
      status: "READY",
      queryable: true,
      latestVersion: index.version,
      latestDefinitionVersion: { version: index.version, createdAt: index.createdAt },
      latestDefinition: index.definition,
      statusDetail: [],
    }));
}

export function vectorFields(index: SearchIndex): { vectors: VectorField[]; filters: string[] } {
  const fields = (index.definition.fields ?? []) as Doc[];
  return {
    vectors: fields.filter((field) => field.type === "vector") as unknown as VectorField[],
    filters: fields.filter((field) => field.type === "filter").map((field) => field.path as string),
  };
}

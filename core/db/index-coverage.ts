/**
 * Which list queries of a definition would scan the whole collection. A list runs
 * `{ owner, filter }` sorted by `{ sort, _id }`; MongoDB's planner can use an index whose first
 * key is one of the equality fields, or (to walk in order) whose first key is the sort field.
 * Until the stand-in has `explain`, this compares query shapes with index key prefixes.
 */
import type { CollectionDefinition } from "./collection.ts";
import { defaultSortOf, parseSort } from "./list-query.ts";

export interface QueryShape {
  equality: string[];
  sort?: string;
}

/** Every shape a list endpoint of `definition` can produce with one filter or one sort. */
export function listQueryShapes(definition: CollectionDefinition): QueryShape[] {
  const owner = definition.owner ? [definition.owner.field] : [];
  const fallback = defaultSortOf(definition).field;
  const shapes: QueryShape[] = [];
  for (const filter of definition.list?.filters ?? []) shapes.push({ equality: [...owner, filter], sort: fallback });
  for (const sort of definition.list?.sorts ?? []) shapes.push({ equality: owner, sort: parseSort(sort).field });
  if (owner.length) shapes.push({ equality: owner, sort: fallback });
  return shapes;
}

/** Whether some index of `definition` can answer the shape without a collection scan. */
export function indexServes(definition: CollectionDefinition, shape: QueryShape): boolean {
  const firstKeys = ["_id", ...(definition.indexes ?? []).filter((index) => !index.partialFilterExpression && !index.sparse).map((index) => Object.keys(index.key)[0])];
  return firstKeys.some((field) => shape.equality.includes(field) || field === shape.sort);
}

/** The list query shapes of `definition` that would scan the collection. */
export function uncoveredListQueries(definition: CollectionDefinition): QueryShape[] {
  return listQueryShapes(definition).filter((shape) => !indexServes(definition, shape));
}

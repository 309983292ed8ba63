/**
 * Which list queries of a definition would scan the whole collection. A list runs
 * `{ owner, filter }` sorted by `{ sort, _id }`. `explainListQueries` asks the server (`explain`)
 * for each shape and reports those answered by a `COLLSCAN`; `uncoveredListQueries` is the
 * offline approximation (an index whose first key is an equality field or the sort field).
 */
import { ObjectId, type Db, type Document, type Sort } from "mongodb";
import * as z from "zod";
import type { CollectionDefinition } from "./collection.ts";
import { defaultSortOf, listOrder, parseSort } from "./list-query.ts";
import { fieldAt, unwrap } from "./schema-paths.ts";

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

/** The list query shapes of `definition` that would scan the collection (offline check). */
export function uncoveredListQueries(definition: CollectionDefinition): QueryShape[] {
  return listQueryShapes(definition).filter((shape) => !indexServes(definition, shape));
}

/**
 * The list query shapes the server answers with a collection scan, asked with `explain` on the
 * definition's collection in `db` (which must carry the definition's indexes).
 */
export async function explainListQueries(db: Db, definition: CollectionDefinition): Promise<(QueryShape & { plan: string })[]> {
  const scans: (QueryShape & { plan: string })[] = [];
  for (const shape of listQueryShapes(definition)) {
    const filter = Object.fromEntries(shape.equality.map((field) => [field, sampleValue(fieldAt(definition.stored, field))]));
    const sort: Sort = listOrder(definition, { field: shape.sort ?? "_id", direction: -1 });
    const explained = await db.collection(definition.name).find(filter).sort(sort).limit(21).explain("queryPlanner");
    const plan = stagesOf(explained.queryPlanner?.winningPlan ?? explained.stages?.[0]?.$cursor?.queryPlanner?.winningPlan);
    if (plan.includes("COLLSCAN")) scans.push({ ...shape, plan: plan.join(" <- ") });
  }
  return scans;
}

function stagesOf(plan: Document | undefined): string[] {
  if (!plan) return [];
  const children = [plan.inputStage, ...(plan.inputStages ?? [])].filter(Boolean) as Document[];
  return [plan.stage, ...children.flatMap(stagesOf)];
}

/** A value of the field's type, so the planner sees the query a real request would send. */
function sampleValue(field: z.ZodType | undefined): unknown {
  if (!field) return "x";
  let { inner } = unwrap(field);
  if (inner instanceof z.ZodArray) inner = unwrap(inner.element as z.ZodType).inner;
  if (inner instanceof z.ZodEnum) return inner.options[0];
  if (inner instanceof z.ZodLiteral) return inner.value;
  if (inner instanceof z.ZodNumber) return 1;
  if (inner instanceof z.ZodBoolean) return true;
  if (inner instanceof z.ZodDate) return new Date();
  if (inner instanceof z.ZodString) return "x";
  return new ObjectId();
}

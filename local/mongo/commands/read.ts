/**
 * Reading a namespace for find, count, distinct and aggregate: a collection through the
 * planner, a view through its pipeline (views on views resolve recursively), a missing
 * collection as empty, as on a real server.
 */
import type { Document } from "bson";
import { runPipeline } from "../aggregate/pipeline.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { sortDocuments } from "../query/sort.ts";
import type { Doc } from "../query/paths.ts";
import { planQuery } from "../storage/planner.ts";
import type { CommandContext } from "./context.ts";

export interface ReadOptions {
  filter?: Doc;
  sort?: Doc;
  skip?: number;
  limit?: number;
  hint?: unknown;
  collation?: Doc;
  variables?: Doc;
}

const MAX_VIEW_DEPTH = 20;

/** All documents of a namespace (collection or view), in natural order, without filtering. */
export function namespaceDocuments(ctx: CommandContext, name: string, depth = 0): Doc[] {
  const collection = ctx.state.catalog.collection(ctx.db, name);
  if (!collection) return [];
  if (!collection.isView) return [...collection.docs.values()];
  if (depth > MAX_VIEW_DEPTH) throw new CommandError(ErrorCodes.InvalidViewDefinition, "View depth too deep or view cycle detected");
  const source = namespaceDocuments(ctx, collection.options.viewOn!, depth + 1);
  return runPipeline(source, collection.options.pipeline ?? [], pipelineOptions(ctx, collection.options.collation));
}

export function pipelineOptions(ctx: CommandContext, collation?: Doc, variables?: Doc) {
  return { collation, variables, resolveCollection: (name: string) => namespaceDocuments(ctx, name) };
}

export interface ReadResult {
  docs: Doc[];
  /** The index that served the read, or null for a collection scan. */
  plan: string | null;
  /** The access stage as `explain` shows it, and how many documents it examined. */
  access: Doc;
  docsExamined: number;
  /** The plan handed documents out sorted (an index walk): no SORT stage ran. */
  providesSort?: boolean;
}

const COLLSCAN = { stage: "COLLSCAN", direction: "forward" };

/** Documents matching a query, sorted, skipped and limited, with the plan that read them. */
export function readDocuments(ctx: CommandContext, name: string, options: ReadOptions): ReadResult {
  const collection = ctx.state.catalog.collection(ctx.db, name);
  if (!collection) return { docs: [], plan: null, access: { stage: "EOF" }, docsExamined: 0 };
  const filter = options.filter ?? {};
  if (collection.isView) {
    const stages: Document[] = [];
    if (Object.keys(filter).length) stages.push({ $match: filter });
    const docs = runPipeline(namespaceDocuments(ctx, name), stages, pipelineOptions(ctx, options.collation ?? collection.options.collation, options.variables));
    return { docs: window(options.sort ? sortDocuments(docs, options.sort, options.collation) : docs, options), plan: null, access: COLLSCAN, docsExamined: docs.length };
  }
  const collation = options.collation ?? collection.options.collation;
  const hasSort = options.sort !== undefined && Object.keys(options.sort).length > 0;
  const plan = planQuery(collection, filter, { hint: options.hint, collation, sort: hasSort ? options.sort : undefined });
  const sortInMemory = hasSort && !plan.providesSort;
  const matches = collection.matcher(filter, { collation, variables: options.variables });
  const docs: Doc[] = [];
  let docsExamined = 0;
  // Without a sort the scan can stop as soon as skip + limit documents have matched.
  const enough = !sortInMemory && options.limit ? (options.skip ?? 0) + options.limit : Number.POSITIVE_INFINITY;
  for (const doc of plan.candidates) {
    ctx.state.queryExecutor.scannedObjects++;
    docsExamined++;
    if (!matches(doc)) continue;
    docs.push(doc);
    if (docs.length >= enough) break;
  }
  const sorted = sortInMemory ? sortDocuments(docs, options.sort!, collation) : docs;
  return { docs: window(sorted, options), plan: plan.index, access: plan.access, docsExamined, providesSort: plan.providesSort };
}

function window(docs: Doc[], { skip, limit }: ReadOptions): Doc[] {
  const start = skip ?? 0;
  const end = limit ? start + limit : undefined;
  return start || end !== undefined ? docs.slice(start, end) : docs;
}

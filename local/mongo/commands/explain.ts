/**
 * `explain` for find, aggregate, count, distinct, update, delete and findAndModify. The winning
 * plan is built from the plan the stand-in really runs (the planner's access stage: `COLLSCAN`,
 * `IXSCAN` with its bounds, `GEO_NEAR_2DSPHERE`, `TEXT_MATCH`), wrapped in the stages the stand-in
 * then applies (`FETCH`, `SORT`, `SKIP`, `LIMIT`, projection, `COUNT`, `UPDATE`, `DELETE`). With
 * `executionStats` the read runs and reports what it examined; writes are never applied.
 */
import type { Document } from "bson";
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import type { Doc } from "../query/paths.ts";
import { letVariables, optionalDocument, optionalNumber, type CommandContext, type CommandHandler } from "./context.ts";
import { SERVER_VERSION } from "./handshake.ts";
import { readDocuments, type ReadOptions, type ReadResult } from "./read.ts";

const VERBOSITIES = ["queryPlanner", "executionStats", "allPlansExecution"];
const SORT_MEMORY_LIMIT = 100 * 1024 * 1024;

interface Explained {
  namespace: string;
  filter: Doc;
  read: ReadResult;
  /** Wraps the access stage in the stages applied after it (which depend on how it read). */
  wrap: (plan: Doc, read: ReadResult) => Doc;
  nReturned: number;
  millis: number;
}

export const explainCommands: Record<string, CommandHandler> = {
  explain: (ctx) => {
    const inner = ctx.command.explain;
    if (!isPlainObject(inner) || Object.keys(inner).length === 0) throw new CommandError(ErrorCodes.TypeMismatch, "explain command requires a nested object");
    const verbosity = ctx.command.verbosity ?? "allPlansExecution";
    if (!VERBOSITIES.includes(verbosity)) throw new CommandError(ErrorCodes.BadValue, "verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}");
    return explainCommand(ctx, inner, verbosity);
  },
};

/** The explain output of `inner` (also used by `aggregate` with `explain: true`). */
export function explainCommand(ctx: CommandContext, inner: Doc, verbosity: string): Document {
  const name = Object.keys(inner)[0];
  const explained = explainers[name]?.(ctx, inner);
  if (!explained) throw new CommandError(ErrorCodes.CommandNotFound, `Explain failed due to unknown command: ${name}`);
  const winningPlan = explained.wrap(withFilter(explained.read.access, explained.filter), explained.read);
  const output: Document = {
    explainVersion: "1",
    queryPlanner: {
      namespace: explained.namespace,
      parsedQuery: explained.filter,
      indexFilterSet: false,
      maxIndexedOrSolutionsReached: false,
      maxIndexedAndSolutionsReached: false,
      maxScansToExplodeReached: false,
      winningPlan,
      rejectedPlans: [],
    },
  };
  if (verbosity !== "queryPlanner") output.executionStats = executionStats(explained, winningPlan, verbosity);
  output.command = { ...inner, $db: ctx.db };
  output.serverInfo = { host: "localhost", port: ctx.state.port, version: SERVER_VERSION, gitVersion: "local-stand-in" };
  if (name === "aggregate") return aggregateShape(output, inner);
  return output;
}

type Explainer = (ctx: CommandContext, inner: Doc) => Explained;

const explainers: Record<string, Explainer> = {
  find: (ctx, inner) => {
    const sort = optionalDocument(inner, "sort");
    const skip = optionalNumber(inner, "skip") ?? 0;
    const limit = Math.abs(optionalNumber(inner, "limit") ?? 0);
    const projection = optionalDocument(inner, "projection");
    return explainRead(ctx, String(inner.find), { filter: optionalDocument(inner, "filter") ?? {}, sort, skip, limit: limit || undefined, hint: inner.hint, collation: optionalDocument(inner, "collation"), variables: letVariables(inner) }, (plan, read) => {
      let stage = plan;
      const sorted = sort && Object.keys(sort).length > 0;
      if (sorted && !read.providesSort) stage = { stage: "SORT", sortPattern: sort, memLimit: SORT_MEMORY_LIMIT, ...(limit && { limitAmount: skip + limit }), type: "simple", inputStage: stage };
      if (skip) stage = { stage: "SKIP", skipAmount: skip, inputStage: stage };
      if (limit && (!sorted || read.providesSort)) stage = { stage: "LIMIT", limitAmount: limit, inputStage: stage };
      if (projection && Object.keys(projection).length) stage = { stage: isSimpleProjection(projection) ? "PROJECTION_SIMPLE" : "PROJECTION_DEFAULT", transformBy: projection, inputStage: stage };
      return stage;
    });
  },
  count: (ctx, inner) => {
    const skip = optionalNumber(inner, "skip") ?? 0;
    const limit = Math.abs(optionalNumber(inner, "limit") ?? 0);
    return explainRead(ctx, String(inner.count), { filter: optionalDocument(inner, "query") ?? {}, skip, limit: limit || undefined, hint: inner.hint, collation: optionalDocument(inner, "collation") }, (plan) => ({ stage: "COUNT", inputStage: plan }));
  },
  distinct: (ctx, inner) =>
    explainRead(ctx, String(inner.distinct), { filter: optionalDocument(inner, "query") ?? {}, hint: inner.hint, collation: optionalDocument(inner, "collation") }, (plan) => ({ stage: "PROJECTION_DEFAULT", transformBy: { [String(inner.key)]: 1 }, inputStage: plan })),
  update: (ctx, inner) => {
    const statement = onlyStatement(inner.updates, "update");
    return explainRead(ctx, String(inner.update), { filter: (statement.q as Doc) ?? {}, hint: statement.hint, collation: statement.collation as Doc | undefined, variables: letVariables(inner) }, (plan) => ({ stage: "UPDATE", inputStage: plan }));
  },
  delete: (ctx, inner) => {
    const statement = onlyStatement(inner.deletes, "delete");
    const single = statement.limit === 1;
    return explainRead(ctx, String(inner.delete), { filter: (statement.q as Doc) ?? {}, hint: statement.hint, collation: statement.collation as Doc | undefined, limit: single ? 1 : undefined, variables: letVariables(inner) }, (plan) => ({ stage: "DELETE", inputStage: plan }));
  },
  findAndModify: (ctx, inner) => {
    const sort = optionalDocument(inner, "sort");
    return explainRead(ctx, String(inner.findAndModify), { filter: optionalDocument(inner, "query") ?? {}, sort, limit: 1, hint: inner.hint, collation: optionalDocument(inner, "collation") }, (plan) => {
      const sorted = sort && Object.keys(sort).length ? { stage: "SORT", sortPattern: sort, memLimit: SORT_MEMORY_LIMIT, limitAmount: 1, type: "simple", inputStage: plan } : plan;
      return { stage: inner.remove === true ? "DELETE" : "UPDATE", inputStage: sorted };
    });
  },
  aggregate: (ctx, inner) => {
    const pipeline = Array.isArray(inner.pipeline) ? (inner.pipeline as Doc[]) : [];
    const first = pipeline[0];
    // The aggregate command reads a leading $match through the planner; the rest runs on its output.
    const filter = first && isPlainObject(first.$match) ? (first.$match as Doc) : {};
    return explainRead(ctx, String(inner.aggregate), { filter, collation: optionalDocument(inner, "collation"), variables: letVariables(inner) }, (plan) => plan);
  },
};

function explainRead(ctx: CommandContext, name: string, options: ReadOptions, wrap: (plan: Doc, read: ReadResult) => Doc): Explained {
  const started = performance.now();
  const read = readDocuments(ctx, name, options);
  return { namespace: `${ctx.db}.${name}`, filter: options.filter ?? {}, read, wrap, nReturned: read.docs.length, millis: Math.round(performance.now() - started) };
}

/** Index scans are followed by a FETCH that applies the whole filter; a scan filters itself. */
function withFilter(access: Doc, filter: Doc): Doc {
  const hasFilter = Object.keys(filter).length > 0;
  if (access.stage === "IXSCAN") return { stage: "FETCH", ...(hasFilter && { filter }), inputStage: access };
  if (access.stage === "COLLSCAN") return { stage: "COLLSCAN", ...(hasFilter && { filter }), direction: access.direction };
  return access;
}

function executionStats(explained: Explained, winningPlan: Doc, verbosity: string): Document {
  const { read } = explained;
  const keysExamined = containsStage(winningPlan, "IXSCAN") ? read.docsExamined : 0;
  return {
    executionSuccess: true,
    nReturned: explained.nReturned,
    executionTimeMillis: explained.millis,
    totalKeysExamined: keysExamined,
    totalDocsExamined: read.docsExamined,
    executionStages: { ...winningPlan, nReturned: explained.nReturned, executionTimeMillisEstimate: explained.millis, docsExamined: read.docsExamined, keysExamined },
    ...(verbosity === "allPlansExecution" && { allPlansExecution: [] }),
  };
}

function containsStage(plan: Doc, stage: string): boolean {
  if (plan.stage === stage) return true;
  return isPlainObject(plan.inputStage) && containsStage(plan.inputStage as Doc, stage);
}

/** Aggregations explain as `stages`: the cursor that reads the collection, then the pipeline. */
function aggregateShape(output: Document, inner: Doc): Document {
  const pipeline = (inner.pipeline as Doc[]) ?? [];
  const rest = pipeline[0] && isPlainObject(pipeline[0].$match) ? pipeline.slice(1) : pipeline;
  const { queryPlanner, executionStats: stats, ...others } = output;
  return { ...others, stages: [{ $cursor: { queryPlanner, ...(stats && { executionStats: stats }) } }, ...rest] };
}

function onlyStatement(statements: unknown, command: string): Doc {
  if (!Array.isArray(statements) || statements.length !== 1 || !isPlainObject(statements[0])) {
    throw new CommandError(ErrorCodes.InvalidLength, `explained ${command} must have exactly one statement`);
  }
  return statements[0] as Doc;
}

const isSimpleProjection = (projection: Doc): boolean =>
  Object.values(projection).every((value) => value === 0 || value === 1 || value === true || value === false);

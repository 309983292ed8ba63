/**
 * `aggregate` on a collection, a view, or the database (`aggregate: 1`, for `$documents` and
 * `$listLocalSessions`). Source stages that read server state and the `$out`/`$merge` sinks
 * are handled here; everything in between runs in the pipeline engine.
 */
import { Long, type Document } from "bson";
import { checkPipeline, runPipeline, stageName } from "../aggregate/pipeline.ts";
import { writeOut, writeMerge } from "../aggregate/sinks.ts";
import { indexSourceDocuments, isIndexSourceStage } from "../aggregate/source-stages.ts";
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { evaluateExpression } from "../query/mingo-context.ts";
import type { Doc } from "../query/paths.ts";
import { type CommandContext, type CommandHandler, optionalDocument, optionalNumber, letVariables } from "./context.ts";
import { collectionStats } from "./admin.ts";
import { hasNear } from "../query/planned-operators.ts";
import { explainCommand } from "./explain.ts";
import { namespaceDocuments, pipelineOptions, readDocuments } from "./read.ts";

const aggregate: CommandHandler = (ctx) => {
  const { command } = ctx;
  const target = command.aggregate;
  const isDatabaseLevel = target === 1;
  if (!isDatabaseLevel && typeof target !== "string") {
    throw new CommandError(ErrorCodes.FailedToParse, "Invalid command format: the 'aggregate' field must specify a collection name or 1");
  }
  if (!isPlainObject(command.cursor) && command.explain !== true) {
    throw new CommandError(ErrorCodes.FailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const pipeline = checkPipeline(command.pipeline);
  if (command.explain === true && !isDatabaseLevel) {
    const { explain: _flag, ...inner } = command;
    return explainCommand(ctx, inner, "queryPlanner");
  }
  const name = isDatabaseLevel ? "$cmd.aggregate" : (target as string);
  const collation = optionalDocument(command, "collation") ?? ctx.state.catalog.collection(ctx.db, name)?.options.collation;
  const options = pipelineOptions(ctx, collation, letVariables(command));

  const [first, ...rest] = pipeline;
  const sourceStage = first ? stageName(first) : "";
  let input: Doc[];
  let stages = pipeline;
  if (["$documents", "$listLocalSessions", "$collStats", "$indexStats", "$currentOp"].includes(sourceStage)) {
    input = sourceDocuments(ctx, name, sourceStage, first[sourceStage], isDatabaseLevel);
    stages = rest;
  } else if (first && !isDatabaseLevel && isIndexSourceStage(first)) {
    input = indexSourceDocuments(ctx.state.catalog.collection(ctx.db, name), first, { collation, variables: options.variables });
    stages = rest;
  } else if (first && sourceStage === "$match" && isPlainObject(first.$match) && !hasNear(first.$match) && isCollection(ctx, name)) {
    // A leading $match is a query: it reads through the planner (and its indexes), as on mongod.
    input = readDocuments(ctx, name, { filter: first.$match as Doc, collation, variables: options.variables }).docs;
    stages = rest;
  } else {
    if (isDatabaseLevel) throw new CommandError(ErrorCodes.InvalidNamespace, "{aggregate: 1} is not valid for '$match'; a collection is required.");
    input = namespaceDocuments(ctx, name);
  }

  const last = stages.length ? stageName(stages[stages.length - 1]) : "";
  if (last === "$out" || last === "$merge") {
    const sink = stages[stages.length - 1][last];
    const results = runPipeline(input, stages.slice(0, -1), options);
    if (last === "$out") writeOut(ctx, sink, results);
    else writeMerge(ctx, sink, results, options);
    return { cursor: { firstBatch: [], id: Long.ZERO, ns: `${ctx.db}.${name}` } };
  }
  const results = runPipeline(input, stages, options);
  const batchSize = optionalNumber(command.cursor as Document, "batchSize");
  return { cursor: ctx.state.cursors.firstBatch(`${ctx.db}.${name}`, results, batchSize ?? 101, ctx.connection.id) };
};

const isCollection = (ctx: CommandContext, name: string): boolean => {
  const collection = ctx.state.catalog.collection(ctx.db, name);
  return collection !== undefined && !collection.isView;
};

function sourceDocuments(ctx: CommandContext, name: string, stage: string, argument: unknown, isDatabaseLevel: boolean): Doc[] {
  switch (stage) {
    case "$documents": {
      if (!isDatabaseLevel) throw new CommandError(ErrorCodes.InvalidNamespace, "$documents is only valid as the first stage in a pipeline run on a database (aggregate: 1)");
      const docs = evaluateExpression({}, argument);
      if (!Array.isArray(docs) || !docs.every(isPlainObject)) throw new CommandError(5858203, "an array is expected");
      return docs as Doc[];
    }
    case "$listLocalSessions":
      if (!isDatabaseLevel) throw new CommandError(ErrorCodes.InvalidNamespace, "$listLocalSessions must be run against the database with {aggregate: 1}");
      return ctx.state.sessions.list();
    case "$collStats": {
      const collection = ctx.state.catalog.collection(ctx.db, name);
      if (!collection) throw new CommandError(ErrorCodes.NamespaceNotFound, `Unable to retrieve storageStats in $collStats stage :: caused by :: Collection [${ctx.db}.${name}] not found.`);
      const spec = isPlainObject(argument) ? argument : {};
      const out: Doc = { ns: collection.namespace, host: `localhost:${ctx.state.port}`, localTime: new Date() };
      if (spec.storageStats !== undefined) out.storageStats = collectionStats(collection);
      if (spec.count !== undefined) out.count = collection.docs.size;
      return [out];
    }
    case "$indexStats": {
      const collection = ctx.state.catalog.collection(ctx.db, name);
      return [...(collection?.indexes.values() ?? [])].map((index) => ({
        name: index.name, key: index.spec.key, host: `localhost:${ctx.state.port}`, accesses: { ops: 0, since: ctx.state.startedAt }, spec: index.spec,
      }));
    }
    case "$currentOp":
      return [];
  }
  return [];
}

export const aggregateCommands: Record<string, CommandHandler> = { aggregate };

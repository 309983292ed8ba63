/**
 * Aggregation pipelines run on mingo, in a context where the stages that depend on BSON order
 * or on the server (`$match`, `$sort`, `$lookup`'s foreign collections, `$unionWith`, …) see the
 * stand-in's semantics. Stages that read or write server state are handled by the caller:
 * `$collStats`, `$indexStats`, `$listLocalSessions` first, `$out` and `$merge` last; so are the
 * first stages that read through an index (`$geoNear`, `$vectorSearch`, `$match` with `$text`),
 * whose documents carry metadata (`{ $meta: … }`) through the rest of the pipeline.
 */
import { Aggregator } from "mingo/aggregator";
import { Lazy } from "mingo/lazy";
import type { Options } from "mingo/types";
import { hashKeyOf, isPlainObject, plainNumbers, restoreDoubles } from "../bson-values.ts";
import { CommandError, ErrorCodes, translateLibraryError } from "../errors.ts";
import { compileFilter } from "../query/match.ts";
import { META, META_FIELD } from "../query/metadata.ts";
import { hasText } from "../query/planned-operators.ts";
import { buildContext, ProcessingMode, type PipelineOperator } from "../query/mingo-context.ts";
import { sortDocuments } from "../query/sort.ts";
import type { Doc } from "../query/paths.ts";
import type { Collation } from "../query/collation.ts";

export interface PipelineOptions {
  collation?: Collation;
  variables?: Doc;
  /** Documents of another collection (or view) of the same database, for `$lookup` & co. */
  resolveCollection: (name: string) => Doc[];
}

type LazyIterator = ReturnType<typeof Lazy>;

const stageMatch: PipelineOperator = (collection, expr, options) => {
  const opts = options as Options;
  if (!isPlainObject(expr)) throw new CommandError(ErrorCodes.Location15998, "the match filter must be an expression in an object");
  const test = compileFilter(expr, { collation: opts.collation as unknown as Collation, variables: opts.variables as Doc });
  return (collection as LazyIterator).filter((doc) => test(doc as Doc));
};

const stageSort: PipelineOperator = (collection, expr, options) => {
  const opts = options as Options;
  if (!isPlainObject(expr) || Object.keys(expr).length === 0) throw new CommandError(ErrorCodes.Location15998, "$sort stage must have at least one sort key");
  return (collection as LazyIterator).transform((docs) => Lazy(sortDocuments(docs as Doc[], expr, opts.collation as unknown as Collation)));
};

const context = buildContext({ $match: stageMatch, $sort: stageSort });

/** Stages the caller handles, with the position each must hold. */
export const SERVER_STAGES = {
  first: new Set(["$collStats", "$indexStats", "$listLocalSessions", "$currentOp", "$documents", "$changeStream"]),
  last: new Set(["$out", "$merge"]),
  /** First stages that read the collection through an index or the search catalog (see source-stages.ts). */
  indexFirst: new Set(["$geoNear", "$vectorSearch", "$listSearchIndexes"]),
};

export function stageName(stage: unknown): string {
  if (!isPlainObject(stage)) throw new CommandError(ErrorCodes.TypeMismatch, "Each element of the 'pipeline' array must be an object");
  const keys = Object.keys(stage);
  if (keys.length !== 1) throw new CommandError(ErrorCodes.Location40324, "A pipeline stage specification object must contain exactly one field.");
  return keys[0];
}

export function checkPipeline(pipeline: unknown): Doc[] {
  if (!Array.isArray(pipeline)) throw new CommandError(ErrorCodes.TypeMismatch, "'pipeline' option must be specified as an array");
  pipeline.forEach((stage, i) => {
    const name = stageName(stage);
    if (SERVER_STAGES.last.has(name) && i !== pipeline.length - 1) {
      throw new CommandError(ErrorCodes.Location40324, `${name} can only be the final stage in the pipeline`);
    }
    if (SERVER_STAGES.first.has(name)) {
      if (i !== 0) throw new CommandError(ErrorCodes.Location40324, `${name} is only valid as the first stage in a pipeline`);
      return;
    }
    if (SERVER_STAGES.indexFirst.has(name)) {
      if (i !== 0) throw new CommandError(40602, `${name} is only valid as the first stage in a pipeline.`);
      return;
    }
    if (name === "$match" && i !== 0 && isPlainObject(stage.$match) && hasText(stage.$match)) {
      throw new CommandError(17313, "$match with $text is only allowed as the first pipeline stage");
    }
    if (!SERVER_STAGES.last.has(name) && !context.getOperator("pipeline" as never, name)) {
      throw new CommandError(ErrorCodes.Location40324, `Unrecognized pipeline stage name: '${name}'`);
    }
  });
  return pipeline as Doc[];
}

/** Stages that pass documents through untouched, so integral doubles can keep their wrapper. */
const NUMBER_PRESERVING_STAGES = new Set(["$match", "$sort", "$limit", "$skip"]);

/**
 * Runs `pipeline` over `input` (which it does not modify). mingo's operators compute on JS
 * numbers only, so from the first stage that computes on, integral doubles are unwrapped (and
 * given back where a document passes them through unchanged).
 */
export function runPipeline(input: Iterable<Doc>, pipeline: Doc[], options: PipelineOptions): Doc[] {
  const docs = [...input];
  if (!docs.some((doc) => (doc as Record<symbol, unknown>)[META] !== undefined)) return runWithoutMetadata(docs, pipeline, options);
  // Stages copy documents field by field, so the metadata rides in a field of its own.
  const carrying = docs.map((doc) => ({ ...doc, [META_FIELD]: (doc as Record<symbol, unknown>)[META] }));
  const results = runWithoutMetadata(carrying, pipeline.map(keepingMetadata), options);
  for (const doc of results) if (doc && META_FIELD in doc) delete doc[META_FIELD];
  return results;
}

/** An inclusion `$project` would drop the metadata field; it is included too. */
function keepingMetadata(stage: Doc): Doc {
  const spec = stage.$project;
  if (!isPlainObject(spec) || !Object.values(spec).some((value) => value !== 0 && value !== false)) return stage;
  return { $project: { ...spec, [META_FIELD]: 1 } };
}

function runWithoutMetadata(input: Doc[], pipeline: Doc[], options: PipelineOptions): Doc[] {
  const firstComputing = pipeline.findIndex((stage) => !NUMBER_PRESERVING_STAGES.has(stageName(stage)));
  const passThrough = firstComputing === -1 ? pipeline : pipeline.slice(0, firstComputing);
  const filtered = passThrough.length ? runStages(input, passThrough, options, options.resolveCollection) : input;
  if (firstComputing === -1) return filtered;
  const results = runStages(filtered.map(plainNumbers), pipeline.slice(firstComputing), options, (name) => options.resolveCollection(name).map(plainNumbers));
  return withDoublesRestored(results, filtered);
}

function runStages(documents: Doc[], stages: Doc[], options: PipelineOptions, resolveCollection: (name: string) => Doc[]): Doc[] {
  const aggregator = new Aggregator(stages, {
    context,
    collation: options.collation,
    variables: options.variables,
    collectionResolver: resolveCollection,
    processingMode: ProcessingMode.CLONE_INPUT,
  } as unknown as Options);
  try {
    return aggregator.run(documents) as Doc[];
  } catch (error) {
    if (error instanceof CommandError) throw error;
    const { code, message } = translateLibraryError(error);
    throw new CommandError(code, `PlanExecutor error during aggregation :: caused by :: ${message}`);
  }
}

/** Gives each result whose `_id` names an input document back the doubles it passed through. */
function withDoublesRestored(results: Doc[], inputs: Doc[]): Doc[] {
  if (!results.some((doc) => doc && doc._id !== undefined)) return results;
  const byId = new Map(inputs.map((doc) => [hashKeyOf(doc._id), doc]));
  for (const doc of results) {
    const original = doc && doc._id !== undefined ? byId.get(hashKeyOf(doc._id)) : undefined;
    if (original) restoreDoubles(doc, original);
  }
  return results;
}

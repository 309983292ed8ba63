/**
 * Find projections: inclusion, exclusion, `$slice`, `$elemMatch`, aggregation expressions (mingo's
 * `$project`), `{ $meta: … }` (a `$text` match's textScore, …), and the positional `field.$`,
 * which needs the query that selected the document.
 * Included fields keep the document's own order with `_id` first, as a real server returns them.
 */
import { Double } from "bson";
import { Aggregator } from "mingo/aggregator";
import type { Options } from "mingo/types";
import { isPlainObject, plainNumbers, restoreDoubles } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileFilter } from "./match.ts";
import { checkMetaName, META_FIELD, metadataOf, metaValue, textScoreUnavailable } from "./metadata.ts";
import { hasText } from "./planned-operators.ts";
import { buildContext, ProcessingMode } from "./mingo-context.ts";
import { setPath, type Doc } from "./paths.ts";

const context = buildContext();

export type Projector = (doc: Doc) => Doc;

export function compileProjection(projection: Doc | undefined, filter: Doc = {}): Projector | undefined {
  if (!projection || Object.keys(projection).length === 0) return undefined;
  const positional = Object.keys(projection).find((k) => k.endsWith(".$"));
  const spec: Doc = { ...projection };
  let positionalField: string | undefined;
  if (positional) {
    positionalField = positional.slice(0, -2);
    delete spec[positional];
    spec[positionalField] = 1;
  }
  // `$slice` neither includes nor excludes: alone (or with exclusions) it keeps the other fields.
  const slices = Object.entries(spec).filter(([, value]) => isPlainObject(value) && Object.keys(value)[0] === "$slice");
  for (const [field] of slices) delete spec[field];
  // `{ $meta: … }` neither includes nor excludes either (since 4.4); it adds the metadata.
  const metas = Object.entries(spec).filter(([, value]) => isPlainObject(value) && Object.keys(value)[0] === "$meta").map(([field, value]) => {
    const name = checkMetaName((value as Doc).$meta);
    if (name === "textScore" && !hasText(filter)) throw textScoreUnavailable();
    delete spec[field];
    return [field, name] as const;
  });
  const inclusive = checkMixing(spec);
  if (inclusive) for (const [field] of slices) spec[field] = 1;
  const aggregator = Object.keys(spec).length
    ? new Aggregator([{ $project: plainNumbers(spec) }], { context, processingMode: ProcessingMode.CLONE_INPUT } as unknown as Options)
    : undefined;
  const slicer = slices.length
    ? new Aggregator([{ $project: Object.fromEntries(slices.map(([field, value]) => [field, value])) }], { context, processingMode: ProcessingMode.CLONE_INPUT } as unknown as Options)
    : undefined;
  // mingo's expression operators compute on JS numbers only; integral doubles then read as ints.
  const computes = Object.values(spec).some((value) => isPlainObject(value) || typeof value === "string");
  return (doc) => {
    const carried = metadataOf(doc);
    const matched = positionalField ? withPositionalMatch(doc, positionalField, filter) : doc;
    // Metadata rides along in a field where computed fields' `$meta` expressions can read it.
    const source = computes ? plainNumbers(carried ? { ...matched, [META_FIELD]: carried } : matched) : matched;
    let projected = aggregator ? (aggregator.run([source]) as Doc[])[0] : { ...source };
    if (slicer) {
      const [sliced] = slicer.run([source]) as Doc[];
      for (const [field] of slices) if (field in sliced) projected = { ...projected, [field]: sliced[field] };
    }
    if (carried && computes) {
      projected = { ...projected };
      delete projected[META_FIELD];
    }
    for (const [field, name] of metas) {
      const value = metaValue(doc, name);
      if (value !== undefined) {
        projected = { ...projected };
        // A score is a double even when whole (a plain 1 would go out as an int32).
        setPath(projected, field, typeof value === "number" && Number.isInteger(value) ? new Double(value) : value);
      }
    }
    return inDocumentOrder(computes ? restoreDoubles(projected, doc) : projected, doc);
  };
}

/** Whether the projection includes (true) or excludes (false) fields; mixing both is an error. */
function checkMixing(spec: Doc): boolean {
  let inclusion: string | undefined;
  let exclusion: string | undefined;
  for (const [field, value] of Object.entries(spec)) {
    if (field === "_id") continue;
    if (isPlainObject(value) || typeof value === "string") {
      inclusion ??= field;
      continue;
    }
    if (value === 0 || value === false) exclusion ??= field;
    else inclusion ??= field;
  }
  if (inclusion && exclusion) {
    throw new CommandError(31254, `Cannot do exclusion on field ${exclusion} in inclusion projection`);
  }
  return inclusion !== undefined || (exclusion === undefined && spec._id !== undefined && spec._id !== 0 && spec._id !== false);
}

/** Keeps only the first array element the query matched, for `field.$`. */
function withPositionalMatch(doc: Doc, field: string, filter: Doc): Doc {
  const array = doc[field];
  if (!Array.isArray(array)) {
    throw new CommandError(ErrorCodes.BadValue, "Executor error during find command :: caused by :: positional operator '.$' requires corresponding field in query specifier");
  }
  const relevant = Object.fromEntries(Object.entries(filter).filter(([k]) => k === field || k.startsWith(`${field}.`)));
  const test = compileFilter(relevant);
  const index = array.findIndex((element) => test({ [field]: [element] }));
  if (index < 0) {
    throw new CommandError(ErrorCodes.BadValue, "Executor error during find command :: caused by :: positional operator '.$' mismatch");
  }
  return { ...doc, [field]: [array[index]] };
}

function inDocumentOrder(projected: Doc, original: Doc): Doc {
  const ordered: Doc = {};
  if ("_id" in projected) ordered._id = projected._id;
  for (const key of Object.keys(original)) if (key in projected) ordered[key] = projected[key];
  for (const key of Object.keys(projected)) if (!(key in ordered)) ordered[key] = projected[key];
  return ordered;
}

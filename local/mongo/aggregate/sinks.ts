/**
 * The pipeline sinks. `$out` replaces the target collection as a whole (it is left untouched if
 * any document fails); `$merge` folds results into it document by document per `whenMatched` /
 * `whenNotMatched`, through the collection's own write path so indexes and validators hold.
 */
import { ObjectId } from "bson";
import { cloneValue, isPlainObject, valuesEqual } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { getPath, type Doc } from "../query/paths.ts";
import { CollectionStore } from "../storage/collection-store.ts";
import type { CommandContext } from "../commands/context.ts";
import { runPipeline, type PipelineOptions } from "./pipeline.ts";

function targetOf(ctx: CommandContext, spec: unknown, stage: string): { db: string; coll: string } {
  if (typeof spec === "string") return { db: ctx.db, coll: spec };
  if (isPlainObject(spec) && typeof spec.coll === "string") return { db: typeof spec.db === "string" ? spec.db : ctx.db, coll: spec.coll };
  throw new CommandError(ErrorCodes.FailedToParse, `${stage} stage requires a collection name as a string or an object { db, coll }`);
}

const withGeneratedId = (doc: Doc): Doc => (doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc);

export function writeOut(ctx: CommandContext, spec: unknown, results: Doc[]): void {
  const { db, coll } = targetOf(ctx, spec, "$out");
  const bypassDocumentValidation = ctx.command.bypassDocumentValidation === true;
  const existing = ctx.state.catalog.collection(db, coll);
  if (existing?.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, `Cannot write to view ${db}.${coll}`);
  const replacement = new CollectionStore(db, coll, existing?.options ?? {});
  for (const [name, index] of existing?.indexes ?? []) if (name !== "_id_") replacement.createIndex(index.spec);
  for (const doc of results) replacement.insert(withGeneratedId(doc), { bypassDocumentValidation });
  if (existing) ctx.state.catalog.drop(db, coll);
  const created = ctx.state.catalog.create(db, coll, replacement.options);
  for (const [name, index] of replacement.indexes) if (name !== "_id_") created.createIndex(index.spec);
  for (const doc of replacement.docs.values()) created.insert(doc, { bypassDocumentValidation: true });
}

export function writeMerge(ctx: CommandContext, spec: unknown, results: Doc[], options: PipelineOptions): void {
  const merge = isPlainObject(spec) ? spec : { into: spec };
  const { db, coll } = targetOf(ctx, merge.into, "$merge");
  const on = merge.on === undefined ? ["_id"] : Array.isArray(merge.on) ? (merge.on as string[]) : [merge.on as string];
  const whenMatched = merge.whenMatched ?? "merge";
  const whenNotMatched = merge.whenNotMatched ?? "insert";
  const bypassDocumentValidation = ctx.command.bypassDocumentValidation === true;
  const target = ctx.state.catalog.collectionForWrite(db, coll);

  for (const result of results) {
    const doc = withGeneratedId(result);
    const matched = [...target.docs.values()].find((candidate) => on.every((field) => valuesEqual(getPath(candidate, field), getPath(doc, field))));
    if (!matched) {
      if (whenNotMatched === "discard") continue;
      if (whenNotMatched === "fail") throw new CommandError(13113, "$merge could not find a matching document in the target collection for at least one document in the source collection");
      target.insert(doc, { bypassDocumentValidation });
      continue;
    }
    if (whenMatched === "fail") throw target.indexes.get("_id_")!.duplicateKeyError([doc._id], target.namespace);
    if (whenMatched === "keepExisting") continue;
    let next: Doc;
    if (whenMatched === "replace") next = { ...cloneValue(doc), _id: matched._id };
    else if (whenMatched === "merge") next = { ...cloneValue(matched), ...cloneValue(doc), _id: matched._id };
    else if (Array.isArray(whenMatched)) {
      const variables = { new: doc, ...(isPlainObject(merge.let) ? merge.let : {}) };
      [next] = runPipeline([matched], whenMatched as Doc[], { ...options, variables: { ...options.variables, ...variables } });
    } else throw new CommandError(ErrorCodes.BadValue, `Enumeration value '${String(whenMatched)}' for field 'whenMatched' is not a valid value.`);
    target.replace(matched, next, { bypassDocumentValidation });
  }
}

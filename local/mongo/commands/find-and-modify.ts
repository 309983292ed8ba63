/**
 * `findAndModify`: update, replace or remove one document and return it (before or after). As a
 * retryable write it is statement 0: a retry after it wrote gets the same reply back, marked with
 * `retriedStmtId`, instead of a second modification.
 */
import type { Document } from "bson";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileProjection } from "../query/projection.ts";
import { type CommandContext, type CommandHandler, optionalDocument, targetCollection, letVariables } from "./context.ts";
import { type ModifySpec, targets, updateKind, updatedDocument, upsert } from "./modify.ts";

const findAndModify: CommandHandler = (ctx) => {
  const stmtId = ctx.retry?.stmtId(0);
  const applied = stmtId === undefined ? undefined : ctx.retry!.record.outcome<Document>(stmtId);
  if (applied) return { ...applied, retriedStmtId: stmtId };
  const reply = modify(ctx);
  if (stmtId !== undefined && (reply.lastErrorObject as Document).n > 0) ctx.retry!.record.record(stmtId, reply);
  return reply;
};

function modify(ctx: CommandContext): Document {
  const name = targetCollection(ctx);
  const { command } = ctx;
  const remove = command.remove === true;
  const hasUpdate = command.update !== undefined;
  if (remove && hasUpdate) throw new CommandError(ErrorCodes.FailedToParse, "Cannot specify both an update and remove=true");
  if (!remove && !hasUpdate) throw new CommandError(ErrorCodes.FailedToParse, "Either an update or remove=true must be specified");
  if (remove && command.new === true) throw new CommandError(ErrorCodes.FailedToParse, "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
  if (remove && command.upsert === true) throw new CommandError(ErrorCodes.FailedToParse, "Cannot specify both upsert=true and remove=true");
  const spec: ModifySpec = {
    query: optionalDocument(command, "query") ?? {},
    update: command.update,
    arrayFilters: command.arrayFilters,
    collation: optionalDocument(command, "collation"),
    variables: letVariables(command),
    hint: command.hint,
    sort: optionalDocument(command, "sort"),
  };
  const project = compileProjection(optionalDocument(command, "fields"), spec.query);
  const shape = (doc: Document | null) => (doc && project ? project(doc) : doc);
  const bypassDocumentValidation = command.bypassDocumentValidation === true;

  const collection = remove ? ctx.state.catalog.collection(ctx.db, name) : ctx.state.catalog.collectionForWrite(ctx.db, name);
  if (collection?.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, `Namespace ${ctx.db}.${name} is a view, not a collection`);
  const kind = remove ? undefined : updateKind(spec);
  const [doc] = collection ? targets(ctx, collection, spec, true) : [];

  if (remove) {
    if (doc) collection!.remove(doc);
    return { lastErrorObject: { n: doc ? 1 : 0 }, value: shape(doc ?? null) };
  }
  if (!doc) {
    if (command.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
    const inserted = upsert(ctx, collection!, spec, kind!, bypassDocumentValidation);
    return { lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id }, value: command.new === true ? shape(inserted) : null };
  }
  const result = updatedDocument(ctx, doc, spec, kind!);
  if (result.changed) collection!.replace(doc, result.doc, { bypassDocumentValidation });
  return { lastErrorObject: { n: 1, updatedExisting: true }, value: shape(command.new === true ? result.doc : doc) };
}

export const findAndModifyCommands: Record<string, CommandHandler> = { findAndModify };

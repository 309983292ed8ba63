/** `update`: each statement updates one document (or all with `multi`), upserting on request. */
import type { Document } from "bson";
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { type CommandHandler, targetCollection, letVariables } from "./context.ts";
import { type ModifySpec, targets, updateKind, updatedDocument, upsert } from "./modify.ts";
import { batchReply, runBatch, statementsOf } from "./write-batch.ts";

const update: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const statements = statementsOf(ctx.command, "updates");
  const collection = ctx.state.catalog.collectionForWrite(ctx.db, name);
  const bypassDocumentValidation = ctx.command.bypassDocumentValidation === true;
  const variables = letVariables(ctx.command);
  const batch = runBatch(ctx, statements, (statement) => {
    if (!isPlainObject(statement.q)) throw new CommandError(ErrorCodes.FailedToParse, "BSON field 'update.updates.q' is missing but a required field");
    const spec: ModifySpec = {
      query: statement.q,
      update: statement.u,
      arrayFilters: statement.arrayFilters,
      collation: statement.collation,
      variables,
      hint: statement.hint,
      sort: statement.sort,
    };
    const multi = statement.multi === true;
    // A multi-document update cannot be recorded statement by statement, so it is never retryable.
    if (multi && ctx.retry) throw new CommandError(ErrorCodes.InvalidOptions, "Cannot use (or request) retryable writes with multi=true");
    const kind = updateKind(spec);
    if (multi && kind === "replacement") throw new CommandError(ErrorCodes.FailedToParse, "multi update is not supported for replacement-style update");
    if (multi && spec.sort) throw new CommandError(ErrorCodes.FailedToParse, "Cannot specify sort with multi=true");
    const docs = targets(ctx, collection, spec, !multi);
    if (docs.length === 0 && statement.upsert === true) {
      const inserted = upsert(ctx, collection, spec, kind, bypassDocumentValidation);
      return { n: 1, nModified: 0, upserted: inserted._id };
    }
    let nModified = 0;
    for (const doc of docs) {
      const result = updatedDocument(ctx, doc, spec, kind);
      if (!result.changed) continue;
      collection.replace(doc, result.doc, { bypassDocumentValidation });
      nModified++;
    }
    return { n: docs.length, nModified };
  });
  const reply: Document = { n: batch.n, nModified: batch.nModified };
  if (batch.upserted.length) reply.upserted = batch.upserted;
  return batchReply(reply, batch);
};

export const updateCommands: Record<string, CommandHandler> = { update };

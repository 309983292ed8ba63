/** `update`: each statement updates one document (or all with `multi`), upserting on request. */
import type { Document } from "bson";
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { type CommandHandler, optionalDocument, targetCollection, letVariables } from "./context.ts";
import { type ModifySpec, targets, updateKind, updatedDocument, upsert } from "./modify.ts";
import { runBatch, statementsOf, withWriteErrors } from "./write-batch.ts";

const update: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const statements = statementsOf(ctx.command, "updates");
  const collection = ctx.state.catalog.collectionForWrite(ctx.db, name);
  const bypassDocumentValidation = ctx.command.bypassDocumentValidation === true;
  const variables = letVariables(ctx.command);
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors = runBatch(statements, ctx.command.ordered !== false, (statement, index) => {
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
    const kind = updateKind(spec);
    if (multi && kind === "replacement") throw new CommandError(ErrorCodes.FailedToParse, "multi update is not supported for replacement-style update");
    if (multi && spec.sort) throw new CommandError(ErrorCodes.FailedToParse, "Cannot specify sort with multi=true");
    const docs = targets(ctx, collection, spec, !multi);
    if (docs.length === 0 && statement.upsert === true) {
      const inserted = upsert(ctx, collection, spec, kind, bypassDocumentValidation);
      upserted.push({ index, _id: inserted._id });
      n++;
      return;
    }
    for (const doc of docs) {
      const result = updatedDocument(ctx, doc, spec, kind);
      n++;
      if (!result.changed) continue;
      collection.replace(doc, result.doc, { bypassDocumentValidation });
      nModified++;
    }
  });
  const reply: Document = { n, nModified };
  if (upserted.length) reply.upserted = upserted;
  return withWriteErrors(reply, writeErrors);
};

export const updateCommands: Record<string, CommandHandler> = { update };

/** `insert`: documents get an ObjectId `_id` first when they lack one, as the server adds it. */
import { ObjectId, type Document } from "bson";
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { type CommandHandler, targetCollection } from "./context.ts";
import { batchReply, runBatch, statementsOf, type StatementOutcome } from "./write-batch.ts";

/** Every insert has the same outcome, shared rather than allocated per document. */
const INSERTED: StatementOutcome = Object.freeze({ n: 1 });

const insert: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const documents = statementsOf(ctx.command, "documents");
  const collection = ctx.state.catalog.collectionForWrite(ctx.db, name);
  const bypassDocumentValidation = ctx.command.bypassDocumentValidation === true;
  const batch = runBatch(ctx, documents, (doc) => {
    if (!isPlainObject(doc)) throw new CommandError(ErrorCodes.TypeMismatch, "insert documents must be objects");
    collection.insert(withId(doc), { bypassDocumentValidation });
    return INSERTED;
  });
  return batchReply({ n: batch.n }, batch);
};

export function withId(doc: Document): Document {
  const { _id, ...rest } = doc;
  return { _id: _id === undefined ? new ObjectId() : _id, ...rest };
}

export const insertCommands: Record<string, CommandHandler> = { insert };

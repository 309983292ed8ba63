/** `delete`: each statement removes one document (`limit: 1`) or all matching (`limit: 0`). */
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { type CommandHandler, targetCollection, letVariables } from "./context.ts";
import { targets } from "./modify.ts";
import { batchReply, runBatch, statementsOf } from "./write-batch.ts";

const remove: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const statements = statementsOf(ctx.command, "deletes");
  const collection = ctx.state.catalog.collection(ctx.db, name);
  if (collection?.isView) throw new CommandError(ErrorCodes.CommandNotSupportedOnView, `Namespace ${ctx.db}.${name} is a view, not a collection`);
  const variables = letVariables(ctx.command);
  const batch = runBatch(ctx, statements, (statement) => {
    if (!isPlainObject(statement.q)) throw new CommandError(ErrorCodes.FailedToParse, "BSON field 'delete.deletes.q' is missing but a required field");
    const limit = Number(statement.limit ?? 0);
    if (limit !== 0 && limit !== 1) throw new CommandError(ErrorCodes.FailedToParse, "The limit field in delete objects must be 0 or 1. Got " + limit);
    if (limit === 0 && ctx.retry) throw new CommandError(ErrorCodes.InvalidOptions, "Cannot use (or request) retryable writes with limit=0");
    if (!collection) return { n: 0 };
    const docs = targets(ctx, collection, { query: statement.q, update: {}, collation: statement.collation, variables, hint: statement.hint }, limit === 1);
    for (const doc of docs) collection.remove(doc);
    return { n: docs.length };
  });
  return batchReply({ n: batch.n }, batch);
};

export const deleteCommands = { delete: remove } as Record<string, CommandHandler>;

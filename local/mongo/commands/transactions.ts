/**
 * `commitTransaction` and `abortTransaction`, run on `admin` with the session's `lsid`,
 * `txnNumber` and `autocommit: false` (the binding has found the transaction by then).
 * Committing again a committed transaction succeeds, so the driver may retry a commit whose
 * answer it lost.
 */
import { CommandError, ErrorCodes } from "../errors.ts";
import type { Transaction } from "../transactions/transaction.ts";
import type { CommandContext, CommandHandler } from "./context.ts";

function transactionOf(ctx: CommandContext): Transaction {
  if (!ctx.txn) throw new CommandError(ErrorCodes.CommandFailed, `${ctx.name} must be run within a transaction`);
  if (ctx.db !== "admin") throw new CommandError(ErrorCodes.Unauthorized, `${ctx.name} may only be run against the admin database.`);
  return ctx.txn;
}

export const transactionCommands: Record<string, CommandHandler> = {
  commitTransaction: (ctx) => {
    transactionOf(ctx).commit();
    return {};
  },
  abortTransaction: (ctx) => {
    transactionOf(ctx).abort();
    return {};
  },
};

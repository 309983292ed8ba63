/**
 * The command table and the one place a thrown error becomes an `{ ok: 0 }` reply. A command
 * carrying a transaction number runs bound to its session's transaction or retryable write.
 */
import type { Document } from "bson";
import { CommandError, ErrorCodes, translateLibraryError } from "../errors.ts";
import { bindSession, type SessionBinding } from "../transactions/binding.ts";
import { transactionErrorReply } from "../transactions/errors.ts";
import type { CommandHandler, ConnectionInfo, ServerState } from "./context.ts";
import { adminCommands } from "./admin.ts";
import { aggregateCommands } from "./aggregate.ts";
import { collectionCommands } from "./collections.ts";
import { deleteCommands } from "./delete.ts";
import { findAndModifyCommands } from "./find-and-modify.ts";
import { findCommands } from "./find.ts";
import { handshakeCommands } from "./handshake.ts";
import { indexCommands } from "./indexes.ts";
import { insertCommands } from "./insert.ts";
import { searchIndexCommands } from "./search-indexes.ts";
import { explainCommands } from "./explain.ts";
import { transactionCommands } from "./transactions.ts";
import { updateCommands } from "./update.ts";

const COMMANDS: Record<string, CommandHandler> = {
  ...handshakeCommands,
  ...adminCommands,
  ...collectionCommands,
  ...indexCommands,
  ...insertCommands,
  ...findCommands,
  ...updateCommands,
  ...deleteCommands,
  ...findAndModifyCommands,
  ...aggregateCommands,
  ...searchIndexCommands,
  ...explainCommands,
  ...transactionCommands,
};

/** Lower-cased aliases, for the legacy spellings drivers still send (`ismaster`, `buildinfo`). */
const COMMANDS_BY_LOWER_NAME = new Map(Object.entries(COMMANDS).map(([name, handler]) => [name.toLowerCase(), handler]));

export function runCommand(state: ServerState, connection: ConnectionInfo, db: string, command: Document): Document {
  const name = Object.keys(command)[0];
  let session: SessionBinding | undefined;
  try {
    if (!name) throw new CommandError(ErrorCodes.FailedToParse, "Command document is empty");
    const handler = COMMANDS[name] ?? COMMANDS_BY_LOWER_NAME.get(name.toLowerCase());
    if (!handler) throw new CommandError(ErrorCodes.CommandNotFound, `no such command: '${name}'`);
    if (!db) throw new CommandError(ErrorCodes.FailedToParse, "OP_MSG requests require a $db argument");
    state.sessions.touch(command.lsid);
    session = bindSession(state, db, command, name.toLowerCase());
    if (!session) return { ...handler({ state, connection, db, command, name }), ok: 1 };
    return session.finish(handler({ state: session.state, connection, db, command, name, txn: session.txn, retry: session.retry }));
  } catch (error) {
    const commandError = error instanceof CommandError ? error : translateLibraryError(error);
    if (session) return session.fail(commandError);
    // Refused before reaching the transaction (e.g. NoSuchTransaction): still labelled for the driver.
    return command.autocommit === false ? transactionErrorReply(commandError) : commandError.toReply();
  }
}

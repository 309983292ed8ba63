/**
 * The command table and the one place a thrown error becomes an `{ ok: 0 }` reply.
 */
import type { Document } from "bson";
import { CommandError, ErrorCodes, translateLibraryError } from "../errors.ts";
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
};

/** Lower-cased aliases, for the legacy spellings drivers still send (`ismaster`, `buildinfo`). */
const COMMANDS_BY_LOWER_NAME = new Map(Object.entries(COMMANDS).map(([name, handler]) => [name.toLowerCase(), handler]));

export function runCommand(state: ServerState, connection: ConnectionInfo, db: string, command: Document): Document {
  const name = Object.keys(command)[0];
  try {
    if (!name) throw new CommandError(ErrorCodes.FailedToParse, "Command document is empty");
    const handler = COMMANDS[name] ?? COMMANDS_BY_LOWER_NAME.get(name.toLowerCase());
    if (!handler) throw new CommandError(ErrorCodes.CommandNotFound, `no such command: '${name}'`);
    if (!db) throw new CommandError(ErrorCodes.FailedToParse, "OP_MSG requests require a $db argument");
    state.sessions.touch(command.lsid);
    return { ...handler({ state, connection, db, command, name }), ok: 1 };
  } catch (error) {
    if (error instanceof CommandError) return error.toReply();
    return translateLibraryError(error).toReply();
  }
}

/**
 * One client connection: reassembles length-prefixed messages from the TCP stream, runs each
 * command in order and writes the reply (none for OP_MSG with `moreToCome`, as the protocol says).
 */
import type { Socket } from "node:net";
import { runCommand } from "../commands/index.ts";
import type { ConnectionInfo, ServerState } from "../commands/context.ts";
import { ErrorCodes } from "../errors.ts";
import {
  HEADER_SIZE, MAX_MESSAGE_SIZE, OP_MSG, ProtocolError, encodeOpMsgReply, encodeOpReply, parseMessage, readHeader,
} from "./messages.ts";

export function serveConnection(socket: Socket, state: ServerState, info: ConnectionInfo): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.setNoDelay(true);

  socket.on("data", (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const length = pending.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        // A real server logs and drops a connection that sends an impossible length.
        socket.destroy();
        return;
      }
      if (pending.length < length) return;
      const message = pending.subarray(0, length);
      pending = pending.subarray(length);
      handleMessage(socket, state, info, message);
    }
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => {
    state.connectionCount--;
    state.cursors.closeForConnection(info.id);
  });
}

function handleMessage(socket: Socket, state: ServerState, info: ConnectionInfo, message: Buffer): void {
  const header = readHeader(message);
  let request;
  try {
    request = parseMessage(message);
  } catch (error) {
    const reply = {
      ok: 0,
      errmsg: error instanceof ProtocolError ? error.message : `invalid BSON: ${(error as Error).message}`,
      code: ErrorCodes.InvalidBSON,
      codeName: "InvalidBSON",
    };
    if (header.opCode === OP_MSG) socket.write(encodeOpMsgReply(header.requestId, reply));
    else socket.write(encodeOpReply(header.requestId, reply));
    return;
  }
  const reply = runCommand(state, info, request.database, request.command);
  if (request.moreToCome) return;
  if (socket.destroyed) return;
  const encode = request.opCode === OP_MSG ? encodeOpMsgReply : encodeOpReply;
  let encoded: Buffer;
  try {
    encoded = encode(request.requestId, reply);
  } catch (error) {
    // A reply that cannot be serialized (e.g. over 16 MiB) fails the command, not the connection.
    encoded = encode(request.requestId, { ok: 0, errmsg: `reply could not be encoded: ${(error as Error).message}`, code: 10334, codeName: "BSONObjectTooLarge" });
  }
  socket.write(encoded);
}

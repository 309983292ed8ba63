/**
 * One client connection: reassembles length-prefixed messages from the TCP stream, runs each
 * command in order and writes the reply (none for OP_MSG with `moreToCome`, as the protocol says).
 * With a journal, a command that wrote is only answered once its records are on disk, and the
 * connection's next message waits for that, as a server runs one operation per connection.
 */
import type { Socket } from "node:net";
import type { Document } from "bson";
import { awaitableHelloDelay } from "../commands/handshake.ts";
import { runCommand } from "../commands/index.ts";
import type { ConnectionInfo, ServerState } from "../commands/context.ts";
import { ErrorCodes } from "../errors.ts";
import {
  HEADER_SIZE, MAX_MESSAGE_SIZE, OP_MSG, ProtocolError, encodeOpMsgReply, encodeOpReply, parseMessage, readHeader,
  type CommandRequest,
} from "./messages.ts";

/**
 * Write commands wait for the journal even when they changed nothing: their answer (a duplicate
 * key, "matched 1") may rest on another connection's write that is not on disk yet. So does a
 * commit: a retried one answers at once, while the first may still be on its way to disk.
 */
const WRITE_COMMANDS = new Set(["insert", "update", "delete", "findandmodify", "committransaction"]);

export function serveConnection(socket: Socket, state: ServerState, info: ConnectionInfo): void {
  let pending: Buffer = Buffer.alloc(0);
  const queue: Buffer[] = [];
  let waiting = false;
  socket.setNoDelay(true);

  const drain = (): void => {
    while (!waiting && queue.length && !socket.destroyed) {
      const journaled = handleMessage(socket, state, info, queue.shift()!);
      if (journaled) {
        waiting = true;
        void journaled.then(() => {
          waiting = false;
          drain();
        });
      }
    }
  };

  socket.on("data", (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const length = pending.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        // A real server logs and drops a connection that sends an impossible length.
        drain();
        socket.destroy();
        return;
      }
      if (pending.length < length) break;
      queue.push(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
    drain();
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", () => {
    state.connectionCount--;
    state.cursors.closeForConnection(info.id);
  });
}

/** Handles one message; returns a promise when the reply waits for the journal. */
function handleMessage(socket: Socket, state: ServerState, info: ConnectionInfo, message: Buffer): Promise<void> | undefined {
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
    return undefined;
  }
  const helloDelay = request.opCode === OP_MSG ? awaitableHelloDelay(request.command) : undefined;
  if (helloDelay !== undefined) return streamHello(socket, state, info, request, helloDelay);
  const journal = state.catalog.journal;
  const sequence = journal?.sequence;
  const reply = runCommand(state, info, request.database, request.command);
  if (!journal || (journal.sequence === sequence && !WRITE_COMMANDS.has(Object.keys(request.command)[0]?.toLowerCase()))) {
    sendReply(socket, request, reply);
    return undefined;
  }
  // Unacknowledged writes (moreToCome) are journaled all the same, just not answered. If the
  // journal cannot write, the outcome is unknown to the client: dropping the connection says so.
  return journal.commit().then(() => sendReply(socket, request, reply), () => void socket.destroy());
}

/**
 * The server side of the driver's streaming monitor: answer after `delay`; when the client allows
 * exhaust, keep answering every `maxAwaitTimeMS` with moreToCome set, each reply answering the
 * previous one, until the connection closes. The connection does nothing else meanwhile.
 */
function streamHello(socket: Socket, state: ServerState, info: ConnectionInfo, request: CommandRequest, delay: number): Promise<void> {
  const period = Math.max(1, Number(request.command.maxAwaitTimeMS));
  return new Promise((resolve) => {
    let responseTo = request.requestId;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    const answer = () => {
      if (socket.destroyed) return stop();
      const reply = runCommand(state, info, request.database, request.command);
      const encoded = encodeOpMsgReply(responseTo, reply, { moreToCome: request.exhaustAllowed });
      socket.write(encoded);
      if (!request.exhaustAllowed) return stop();
      responseTo = encoded.readInt32LE(4);
      timer = setTimeout(answer, period);
    };
    socket.once("close", stop);
    timer = setTimeout(answer, delay);
  });
}

function sendReply(socket: Socket, request: CommandRequest, reply: Document): void {
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

/**
 * The commands a driver sends before and around real work: the handshake, version and
 * parameter queries, session bookkeeping. The stand-in presents itself as a standalone
 * MongoDB 8.0 (wire version 25) without auth.
 */
import { Long, ObjectId, type Document } from "bson";
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE } from "../wire/messages.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import type { CommandContext, CommandHandler } from "./context.ts";

export const SERVER_VERSION = "8.0.4";
export const VERSION_ARRAY = [8, 0, 4, 0];
export const MAX_WIRE_VERSION = 25;
const MAX_WRITE_BATCH_SIZE = 100_000;
const SESSION_TIMEOUT_MINUTES = 30;

const processId = new ObjectId();

/**
 * An awaitable `hello` (the driver's streaming monitor) names the topology version it knows. The
 * stand-in's never changes, so a current one is answered after `maxAwaitTimeMS`, a stale one at once.
 */
export function awaitableHelloDelay(command: Document): number | undefined {
  const name = Object.keys(command)[0]?.toLowerCase();
  if (name !== "hello" && name !== "ismaster") return undefined;
  const known = command.topologyVersion as { processId?: unknown } | undefined;
  const wait = Number(command.maxAwaitTimeMS);
  if (!known || !Number.isFinite(wait) || wait < 0) return undefined;
  const current = known.processId instanceof ObjectId && known.processId.equals(processId);
  return current ? wait : 0;
}

function hello(ctx: CommandContext, legacy: boolean): Document {
  return {
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    topologyVersion: { processId, counter: Long.ZERO },
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: SESSION_TIMEOUT_MINUTES,
    connectionId: ctx.connection.id,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
  };
}

/** Parameters `getParameter` reports; `*` lists them all. */
function serverParameters(): Document {
  return {
    featureCompatibilityVersion: { version: "8.0" },
    authenticationMechanisms: ["SCRAM-SHA-1", "SCRAM-SHA-256"],
    requireApiVersion: false,
    enableTestCommands: false,
    maxBSONDepth: 200,
    transactionLifetimeLimitSeconds: 60,
    notablescan: false,
  };
}

export const handshakeCommands: Record<string, CommandHandler> = {
  hello: (ctx) => hello(ctx, false),
  isMaster: (ctx) => hello(ctx, true),
  ping: () => ({}),
  buildInfo: () => ({
    version: SERVER_VERSION,
    gitVersion: "local-stand-in",
    versionArray: VERSION_ARRAY,
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    storageEngines: ["inMemory"],
    javascriptEngine: "none",
    modules: [],
    openssl: { running: "disabled" },
  }),
  getParameter: (ctx) => {
    const all = serverParameters();
    const selector = ctx.command.getParameter;
    if (selector === "*" || (typeof selector === "object" && selector?.allParameters)) return all;
    const wanted = Object.keys(ctx.command).filter((k) => k !== "getParameter" && !k.startsWith("$") && k !== "lsid" && k !== "comment");
    const result: Document = {};
    for (const name of wanted) {
      if (!(name in all)) throw new CommandError(ErrorCodes.InvalidOptions, `no option found to get`);
      result[name] = all[name];
    }
    if (wanted.length === 0) throw new CommandError(ErrorCodes.InvalidOptions, "no option found to get");
    return result;
  },
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }),
  whatsmyuri: (ctx) => ({ you: ctx.connection.remote }),
  endSessions: (ctx) => {
    const lsids = ctx.command.endSessions;
    if (!Array.isArray(lsids)) throw new CommandError(ErrorCodes.TypeMismatch, "endSessions must be an array of session ids");
    ctx.state.sessions.end(lsids);
    return {};
  },
  killAllSessions: () => ({}),
  startSession: () => {
    throw new CommandError(ErrorCodes.CommandNotFound, "no such command: 'startSession'");
  },
  getLog: () => ({ totalLinesWritten: 0, log: [] }),
  hostInfo: () => ({
    system: { currentTime: new Date(), hostname: "localhost", cpuAddrSize: 64, numCores: 2 },
    os: { type: process.platform, name: process.platform },
    extra: {},
  }),
  getCmdLineOpts: () => ({ argv: ["mongod-stand-in"], parsed: {} }),
  saslStart: () => {
    throw new CommandError(18, "Authentication failed: the local stand-in has no users");
  },
};

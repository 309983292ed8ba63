/**
 * The commands a driver sends before and around real work: the handshake, version and
 * parameter queries, session bookkeeping. The stand-in presents itself as the primary of a
 * single-node replica set running MongoDB 8.0 (wire version 25) without auth: drivers allow
 * retryable writes and transactions on a replica set member only, never on a standalone.
 */
import { Long, ObjectId, Timestamp, type Document } from "bson";
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE } from "../wire/messages.ts";
import { isNumeric, toNumber } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import type { CommandContext, CommandHandler } from "./context.ts";

export const SERVER_VERSION = "8.0.4";
export const VERSION_ARRAY = [8, 0, 4, 0];
export const MAX_WIRE_VERSION = 25;
const MAX_WRITE_BATCH_SIZE = 100_000;
const SESSION_TIMEOUT_MINUTES = 30;
export const REPLICA_SET_NAME = "rs0";
/** One member, elected once, in term 1: what the driver compares to tell a new primary from the same one. */
const ELECTION_ID = new ObjectId("7fffffff0000000000000001");
const TERM = Long.ONE;

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

/**
 * The member lists name this server by the address the client reached it at: a driver connecting
 * without `directConnection` discovers the set from `hosts` and connects there.
 */
function hello(ctx: CommandContext, legacy: boolean): Document {
  const me = ctx.connection.local;
  const now = new Date();
  const opTime = { ts: new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 1 }), t: TERM };
  return {
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    topologyVersion: { processId, counter: Long.ZERO },
    hosts: [me],
    setName: REPLICA_SET_NAME,
    setVersion: 1,
    secondary: false,
    primary: me,
    me,
    electionId: ELECTION_ID,
    lastWrite: { opTime, lastWriteDate: now, majorityOpTime: opTime, majorityWriteDate: now },
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: now,
    logicalSessionTimeoutMinutes: SESSION_TIMEOUT_MINUTES,
    connectionId: ctx.connection.id,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
  };
}

/** Parameters `getParameter` reports; `*` lists them all. */
function serverParameters(ctx: CommandContext): Document {
  return {
    featureCompatibilityVersion: { version: "8.0" },
    authenticationMechanisms: ["SCRAM-SHA-1", "SCRAM-SHA-256"],
    requireApiVersion: false,
    enableTestCommands: false,
    maxBSONDepth: 200,
    transactionLifetimeLimitSeconds: ctx.state.transactions.lifetimeLimitSeconds,
    ttlMonitorEnabled: true,
    ttlMonitorSleepSecs: ctx.state.ttl.sleepSecs,
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
    const all = serverParameters(ctx);
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
  /** Only `ttlMonitorSleepSecs` is settable; the answer carries the value it replaced, as mongod's does. */
  setParameter: (ctx) => {
    if (ctx.db !== "admin") throw new CommandError(ErrorCodes.Unauthorized, "setParameter may only be run against the admin database.");
    const names = Object.keys(ctx.command).filter((k) => k !== ctx.name && !k.startsWith("$") && k !== "lsid" && k !== "comment");
    if (names.length === 0) throw new CommandError(ErrorCodes.InvalidOptions, "no option found to set, use help:true to see options ");
    for (const name of names) {
      if (name !== "ttlMonitorSleepSecs") throw new CommandError(ErrorCodes.InvalidOptions, `attempted to set unrecognized parameter [${name}], use help:true to see options `);
      const seconds = ctx.command[name];
      if (!isNumeric(seconds) || !Number.isInteger(toNumber(seconds)) || toNumber(seconds) < 1) {
        throw new CommandError(ErrorCodes.BadValue, `Invalid value for parameter ttlMonitorSleepSecs: ${String(seconds)} is not a positive whole number of seconds`);
      }
    }
    const was = ctx.state.ttl.sleepSecs;
    ctx.state.ttl.setSleepSecs(toNumber(ctx.command.ttlMonitorSleepSecs));
    return { was };
  },
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }),
  whatsmyuri: (ctx) => ({ you: ctx.connection.remote }),
  endSessions: (ctx) => {
    const lsids = ctx.command.endSessions;
    if (!Array.isArray(lsids)) throw new CommandError(ErrorCodes.TypeMismatch, "endSessions must be an array of session ids");
    ctx.state.transactions.endSessions(ctx.state.sessions.end(lsids));
    return {};
  },
  /** Kills every session's open transaction (the stand-in has no users to filter by). */
  killAllSessions: (ctx) => {
    ctx.state.transactions.endSessions(ctx.state.sessions.all());
    return {};
  },
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

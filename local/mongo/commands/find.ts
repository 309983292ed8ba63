/** `find`, `getMore`, `killCursors`, `count` and `distinct`. */
import { Long } from "bson";
import { compareValues, hashKeyOf } from "../bson-values.ts";
import { stringComparerFor } from "../query/collation.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { compileProjection } from "../query/projection.ts";
import { valuesAtPath } from "../query/paths.ts";
import { type CommandHandler, optionalDocument, optionalNumber, targetCollection, letVariables } from "./context.ts";
import { readDocuments } from "./read.ts";

function nonNegative(value: number | undefined, field: string): number | undefined {
  if (value !== undefined && value < 0) throw new CommandError(51024, `BSON field '${field}' value must be >= 0, actual value '${value}'`);
  return value;
}

const find: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const { command } = ctx;
  const filter = optionalDocument(command, "filter") ?? {};
  const projection = optionalDocument(command, "projection");
  const limit = nonNegative(optionalNumber(command, "limit"), "limit");
  const skip = nonNegative(optionalNumber(command, "skip"), "skip");
  const batchSize = nonNegative(optionalNumber(command, "batchSize"), "batchSize");
  const { docs } = readDocuments(ctx, name, {
    filter,
    sort: optionalDocument(command, "sort"),
    skip,
    limit: limit || undefined,
    hint: command.hint,
    collation: optionalDocument(command, "collation"),
    variables: letVariables(command),
  });
  const project = compileProjection(projection, filter);
  const singleBatch = command.singleBatch === true;
  const firstBatchSize = batchSize === undefined ? (limit || undefined) : limit ? Math.min(batchSize, limit) : batchSize;
  return { cursor: ctx.state.cursors.firstBatch(`${ctx.db}.${name}`, docs, firstBatchSize ?? 101, ctx.connection.id, project, singleBatch) };
};

const getMore: CommandHandler = (ctx) => {
  const id = ctx.command.getMore;
  if (!(id instanceof Long) && typeof id !== "number") throw new CommandError(ErrorCodes.TypeMismatch, "Field 'getMore' must be of type long in: getMore");
  const collection = ctx.command.collection;
  if (typeof collection !== "string") throw new CommandError(ErrorCodes.TypeMismatch, "Field 'collection' must be of type string in: getMore");
  const batchSize = optionalNumber(ctx.command, "batchSize");
  return { cursor: ctx.state.cursors.getMore(id instanceof Long ? id : Long.fromNumber(id), `${ctx.db}.${collection}`, batchSize || undefined) };
};

const killCursors: CommandHandler = (ctx) => {
  targetCollection(ctx);
  const ids = ctx.command.cursors;
  if (!Array.isArray(ids)) throw new CommandError(ErrorCodes.TypeMismatch, "Field 'cursors' must be an array");
  const { killed, notFound } = ctx.state.cursors.kill(ids.map((id) => (id instanceof Long ? id : Long.fromNumber(Number(id)))));
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
};

const count: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const { command } = ctx;
  const skip = nonNegative(optionalNumber(command, "skip"), "skip");
  const limit = optionalNumber(command, "limit");
  const { docs } = readDocuments(ctx, name, {
    filter: optionalDocument(command, "query") ?? {},
    skip,
    limit: limit ? Math.abs(limit) : undefined,
    hint: command.hint,
    collation: optionalDocument(command, "collation"),
  });
  return { n: docs.length };
};

const distinct: CommandHandler = (ctx) => {
  const name = targetCollection(ctx);
  const key = ctx.command.key;
  if (typeof key !== "string") throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'distinct.key' is missing or not a string");
  const { docs } = readDocuments(ctx, name, {
    filter: optionalDocument(ctx.command, "query") ?? {},
    hint: ctx.command.hint,
    collation: optionalDocument(ctx.command, "collation"),
  });
  const strings = stringComparerFor(optionalDocument(ctx.command, "collation"));
  const seen = new Map<string, unknown>();
  for (const doc of docs) {
    for (const value of valuesAtPath(doc, key)) {
      if (value === undefined) continue;
      // An array contributes its elements, not itself (one level, as the server does).
      for (const item of Array.isArray(value) ? value : [value]) {
        const hash = hashKeyOf(item);
        if (seen.has(hash)) continue;
        if (strings && typeof item === "string" && [...seen.values()].some((v) => compareValues(v, item, strings) === 0)) continue;
        seen.set(hash, item);
      }
    }
  }
  return { values: [...seen.values()] };
};

export const findCommands: Record<string, CommandHandler> = { find, getMore, killCursors, count, distinct };

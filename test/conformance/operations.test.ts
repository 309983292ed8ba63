import { EventEmitter } from "node:events";
import type { MongoClient } from "mongodb";
import { MongoBulkWriteError, MongoInvalidArgumentError, MongoServerError } from "mongodb";
import { describe, expect, it } from "vitest";
import { mergeUriOptions } from "./entities.ts";
import { describeErrorMismatch } from "./errors.ts";
import { type CapturedEvent, CommandEventRecorder, describeEventsMismatch } from "./events.ts";
import { COLLECTION_OPERATIONS, DATABASE_OPERATIONS, prepareArguments, toResultDocument } from "./operations.ts";

describe("operation arguments", () => {
  it("separates required arguments from driver options", () => {
    const { required, options } = prepareArguments("updateOne", COLLECTION_OPERATIONS.updateOne, {
      filter: { _id: 1 }, update: { $set: { x: 1 } }, upsert: true, comment: "c",
    });
    expect(required).toEqual([{ _id: 1 }, { $set: { x: 1 } }]);
    expect(options).toEqual({ upsert: true, comment: "c" });
  });

  it("lower-cases returnDocument and rejects other values", () => {
    const spec = COLLECTION_OPERATIONS.findOneAndUpdate;
    expect(prepareArguments("findOneAndUpdate", spec, { filter: {}, update: {}, returnDocument: "After" }).options).toEqual({ returnDocument: "after" });
    expect(() => prepareArguments("findOneAndUpdate", spec, { filter: {}, update: {}, returnDocument: "Later" })).toThrow(/returnDocument/);
  });

  it("rejects unknown and missing arguments", () => {
    expect(() => prepareArguments("insertOne", COLLECTION_OPERATIONS.insertOne, { document: {}, bogus: 1 })).toThrow("insertOne: unsupported argument bogus");
    expect(() => prepareArguments("distinct", COLLECTION_OPERATIONS.distinct, { filter: {} })).toThrow("distinct: missing required argument fieldName");
  });

  it("sends modifyCollection as collMod", async () => {
    let sent: unknown;
    const db = { command: async (command: unknown) => (sent = command) };
    const { required, options } = prepareArguments("modifyCollection", DATABASE_OPERATIONS.modifyCollection, { collection: "test", validator: { x: 1 } });
    await DATABASE_OPERATIONS.modifyCollection.run(db as never, required, options);
    expect(sent).toEqual({ collMod: "test", validator: { x: 1 } });
  });

  it("converts a BulkWriteResult into a document of its public counts", () => {
    const result = {
      insertedCount: 2, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0,
      upsertedIds: {}, insertedIds: { 0: 1, 1: 2 }, getRawResponse: () => ({}),
    };
    expect(toResultDocument(result)).toEqual({
      insertedCount: 2, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, upsertedIds: {}, insertedIds: { 0: 1, 1: 2 },
    });
  });
});

describe("uriOptions", () => {
  it("adds options and overrides existing ones case-insensitively", () => {
    expect(mergeUriOptions("mongodb://127.0.0.1:27017", { retryReads: false })).toBe("mongodb://127.0.0.1:27017/?retryReads=false");
    expect(mergeUriOptions("mongodb://h:1/db?w=1&RetryReads=true", { retryReads: false, w: "majority" })).toBe("mongodb://h:1/db?retryReads=false&w=majority");
    expect(mergeUriOptions("mongodb://a:1,b:2/?replicaSet=rs", {})).toBe("mongodb://a:1,b:2/?replicaSet=rs");
  });
});

describe("expectError", () => {
  const duplicateKey = new MongoServerError({ message: "E11000 duplicate key error", code: 11000, codeName: "DuplicateKey", keyPattern: { x: 1 }, keyValue: { x: "foo" } });

  it("tells client errors from server errors", () => {
    expect(describeErrorMismatch({ isClientError: true }, new MongoInvalidArgumentError("bad update"))).toBeUndefined();
    expect(describeErrorMismatch({ isClientError: false }, duplicateKey)).toBeUndefined();
    expect(describeErrorMismatch({ isClientError: true }, duplicateKey)).toMatch(/^expectError.isClientError: expected a client-side error/);
    expect(describeErrorMismatch({ isClientError: false }, new TypeError("x"))).toMatch(/expected a server error/);
  });

  it("checks code, code name, message and the server response", () => {
    expect(describeErrorMismatch({ errorCode: 11000, errorCodeName: "duplicatekey", errorContains: "DUPLICATE KEY" }, duplicateKey)).toBeUndefined();
    expect(describeErrorMismatch({ errorResponse: { keyPattern: { x: 1 }, keyValue: { x: "foo" } } }, duplicateKey)).toBeUndefined();
    expect(describeErrorMismatch({ errorResponse: { keyValue: { x: "bar" } } }, duplicateKey)).toMatch(/errorResponse.keyValue.x: expected "bar", got "foo"/);
    expect(describeErrorMismatch({ errorCode: 121 }, duplicateKey)).toMatch(/expected code 121, got 11000/);
  });

  it("matches a bulk write error's partial result and aggregated messages", () => {
    const result = {
      insertedCount: 2, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, upsertedIds: {}, insertedIds: { 0: 1, 2: 3 },
      getRawResponse: () => ({}), getWriteConcernError: () => undefined,
    };
    const error = new MongoBulkWriteError(
      { message: "write failed", code: 11000, writeErrors: [{ errmsg: "E11000 dup", code: 11000, index: 1 } as never] },
      result as never,
    );
    const expectResult = { deletedCount: 0, insertedCount: 2, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedIds: {} };
    expect(describeErrorMismatch({ isError: true, expectResult }, error)).toBeUndefined();
    expect(describeErrorMismatch({ expectResult: { ...expectResult, insertedCount: 3 } }, error)).toMatch(/insertedCount: expected 3, got 2/);
    expect(describeErrorMismatch({ errorContains: "e11000 DUP" }, error)).toBeUndefined();
  });
});

describe("command events", () => {
  const started = (commandName: string, command: object, requestId = 1) => ({ commandName, command, requestId, databaseName: "db0" });

  it("records observed events, skipping ignored and sensitive commands", () => {
    const client = new EventEmitter();
    const recorder = new CommandEventRecorder(client as unknown as MongoClient, {
      observeEvents: ["commandStartedEvent", "commandSucceededEvent"],
      ignoreCommandMonitoringEvents: ["killCursors"],
    });
    client.emit("commandStarted", started("find", { find: "c" }, 1));
    client.emit("commandStarted", started("killCursors", { killCursors: "c" }, 2));
    client.emit("commandStarted", started("saslStart", {}, 3));
    client.emit("commandSucceeded", { commandName: "saslStart", reply: {}, requestId: 3 });
    client.emit("commandStarted", started("hello", {}, 4));
    client.emit("commandSucceeded", { commandName: "find", reply: { ok: 1 }, requestId: 1 });
    client.emit("commandFailed", { commandName: "find", requestId: 5 });
    recorder.stop();
    client.emit("commandStarted", started("endSessions", { endSessions: [] }, 6));
    expect(recorder.events.map(({ kind, event }) => `${kind}:${event.commandName}`)).toEqual(["commandStartedEvent:find", "commandSucceededEvent:find"]);
  });

  it("matches count, order, command as a root document, names and replies", () => {
    const events = [
      { kind: "commandStartedEvent", event: started("find", { find: "coll0", filter: {}, sort: new Map([["x", 1]]), lsid: {} }) },
      { kind: "commandSucceededEvent", event: { commandName: "find", reply: { ok: 1, cursor: { id: 0 } } } },
    ] as unknown as CapturedEvent[];
    const expectStarted = { commandStartedEvent: { command: { find: "coll0", sort: { x: 1 } }, commandName: "find", databaseName: "db0" } };
    expect(describeEventsMismatch({ client: "c", events: [expectStarted, { commandSucceededEvent: { reply: { ok: 1 } } }] }, events)).toBeUndefined();
    expect(describeEventsMismatch({ client: "c", events: [expectStarted] }, events)).toBe(
      "c: expected 1 events [started find], got 2 [started find, succeeded find]",
    );
    expect(describeEventsMismatch({ client: "c", events: [expectStarted], ignoreExtraEvents: true }, events)).toBeUndefined();
    expect(describeEventsMismatch({ client: "c", events: [{ commandSucceededEvent: {} }, expectStarted] }, events)).toMatch(/events\[0\]: expected succeeded/);
    expect(describeEventsMismatch({ client: "c", events: [{ commandStartedEvent: { databaseName: "db1" } }, { commandSucceededEvent: { reply: { ok: 1, n: 1 } } }] }, events))
      .toMatch(/databaseName: expected "db1", got "db0"/);
  });
});

/**
 * `/ai-calling/call-logs` over HTTP: read-only (the call workflows write them, so these tests
 * insert them directly), each user sees only their own, the documented equality filters and the
 * inclusive `from`/`to` range on createdAt (a date alone covering its whole UTC day), and the
 * recording shown as a presigned link to our copy.
 */
import { ObjectId } from "mongodb";
import { beforeAll, describe, expect, it } from "vitest";
import { objectUrlOf } from "#core/ai-calling/call-recordings.ts";
import { database } from "#core/db/client.ts";
import { newUser, pathsOf, useAiCallingApi, type ApiUser, type Json } from "#test/fixtures/ai-calling/call-harness.ts";

const { send } = useAiCallingApi();

let alice: ApiUser;
let bob: ApiUser;

const agentA = new ObjectId();
const agentB = new ObjectId();

/** A call log as the workflows store it, created at `createdAt`. */
function callLog(owner: ApiUser, createdAt: string, fields: Json = {}): Json {
  const _id = new ObjectId();
  return {
    _id, sessionId: `sess_${_id}`, userId: owner.id, agentId: agentA, fromPhone: "+919876543210", toPhone: "+919123456789",
    direction: "outbound", status: "completed", createdAt: new Date(createdAt), updatedAt: new Date(createdAt), ...fields,
  };
}

const insert = (...logs: Json[]) => database("ai-calling").collection("calllogs").insertMany(logs);
const ids = (body: Json) => body.data.map((log: Json) => log._id);

// Alice's calls, newest first.
let logs: Json[];

beforeAll(async () => {
  alice = await newUser();
  bob = await newUser();
  logs = [
    callLog(alice, "2024-01-17T09:00:00.000Z", { direction: "inbound", status: "no-answer", agentId: agentB, fromPhone: "+14155550100", toPhone: "+919876543210" }),
    callLog(alice, "2024-01-16T00:00:00.000Z", { status: "failed", error: { code: "E1", message: "carrier refused" } }),
    callLog(alice, "2024-01-15T23:59:59.999Z", { status: "completed", toPhone: "+919000000001" }),
    callLog(alice, "2024-01-15T10:30:00.000Z", { direction: "inbound", status: "completed", agentId: agentB, fromPhone: "+14155550100", toPhone: "+919876543210" }),
    callLog(alice, "2024-01-14T08:00:00.000Z", { status: "busy" }),
  ];
  await insert(...logs, callLog(bob, "2024-01-15T12:00:00.000Z"));
});

const expected = (...indexes: number[]) => indexes.map((index) => logs[index]._id.toHexString());

describe("the list", () => {
  it("shows the caller's calls only, newest first, ids and dates as strings", async () => {
    const { status, body } = await send("GET", "call-logs", alice.token);

    expect(status).toBe(200);
    expect(ids(body)).toEqual(expected(0, 1, 2, 3, 4));
    expect(body.data[1]).toMatchObject({ userId: alice.id.toHexString(), agentId: agentA.toHexString(), createdAt: "2024-01-16T00:00:00.000Z", error: { code: "E1" } });
    expect(body.nextCursor).toBeNull();
    expect(ids((await send("GET", "call-logs", bob.token)).body)).toHaveLength(1);
  });

  it.each([
    ["status=completed", [2, 3]],
    ["direction=inbound", [0, 3]],
    [`agentId=${agentB}`, [0, 3]],
    ["fromPhone=%2B14155550100", [0, 3]],
    ["toPhone=%2B919000000001", [2]],
    ["status=completed&direction=inbound", [3]],
    ["sort=createdAt", [4, 3, 2, 1, 0]],
  ])("filters with ?%s", async (query, indexes) => {
    expect(ids((await send("GET", `call-logs?${query}`, alice.token)).body)).toEqual(expected(...indexes));
  });

  it("refuses values outside the enums, unknown parameters and non-whitelisted fields", async () => {
    expect(pathsOf((await send("GET", "call-logs?status=dropped", alice.token)).body)).toEqual(["status"]);
    expect(pathsOf((await send("GET", "call-logs?direction=sideways", alice.token)).body)).toEqual(["direction"]);
    expect(pathsOf((await send("GET", "call-logs?agentId=nope", alice.token)).body)).toEqual(["agentId"]);
    expect(pathsOf((await send("GET", "call-logs?sessionId=sess_1", alice.token)).body)).toEqual(["sessionId"]);
    expect(pathsOf((await send("GET", "call-logs?sort=durationSec", alice.token)).body)).toEqual(["sort"]);
  });
});

describe("the date range", () => {
  it.each([
    ["from=2024-01-15", [0, 1, 2, 3]],
    ["to=2024-01-15", [2, 3, 4]],
    ["from=2024-01-15&to=2024-01-15", [2, 3]],
    ["from=2024-01-15T10:30:00Z&to=2024-01-16T00:00:00Z", [1, 2, 3]],
    ["from=2024-01-15T16:00:00%2B05:30&to=2024-01-15T16:00:00%2B05:30", [3]],
    ["from=2024-01-15&status=completed", [2, 3]],
    [`from=2024-01-15&agentId=${agentB}`, [0, 3]],
    ["from=2024-02-01", []],
  ])("selects ?%s (both ends inclusive)", async (query, indexes) => {
    const { status, body } = await send("GET", `call-logs?${query}`, alice.token);

    expect(status).toBe(200);
    expect(ids(body)).toEqual(expected(...indexes));
  });

  it("pages within the range", async () => {
    const first = await send("GET", "call-logs?from=2024-01-15&limit=2", alice.token);
    const second = await send("GET", `call-logs?from=2024-01-15&limit=2&cursor=${first.body.nextCursor}`, alice.token);

    expect(ids(first.body)).toEqual(expected(0, 1));
    expect(ids(second.body)).toEqual(expected(2, 3));
    expect(second.body.nextCursor).toBeNull();
  });

  it("refuses from after to with 400", async () => {
    const { status, body } = await send("GET", "call-logs?from=2024-01-16&to=2024-01-15", alice.token);

    expect(status).toBe(400);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(pathsOf(body)).toEqual(["to"]);
  });

  it("refuses what is not an ISO date, and a date-time without a zone", async () => {
    expect(pathsOf((await send("GET", "call-logs?from=yesterday", alice.token)).body)).toEqual(["from"]);
    expect(pathsOf((await send("GET", "call-logs?to=2024-13-01", alice.token)).body)).toEqual(["to"]);
    expect(pathsOf((await send("GET", "call-logs?from=2024-01-15T10:00:00", alice.token)).body)).toEqual(["from"]);
  });
});

describe("one call log", () => {
  it("is read by its owner and a 404 for anyone else or a malformed id", async () => {
    const id = logs[1]._id.toHexString();

    const mine = await send("GET", `call-logs/${id}`, alice.token);

    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ _id: id, sessionId: logs[1].sessionId, status: "failed", createdAt: "2024-01-16T00:00:00.000Z" });
    expect((await send("GET", `call-logs/${id}`, bob.token)).status).toBe(404);
    expect((await send("GET", "call-logs/not-an-id", alice.token)).status).toBe(404);
  });

  it("cannot be written through the API", async () => {
    const id = logs[1]._id.toHexString();

    expect((await send("POST", "call-logs", alice.token, { sessionId: "sess_mine" })).status).toBe(404);
    expect((await send("PATCH", `call-logs/${id}`, alice.token, { status: "completed" })).status).toBe(404);
    expect((await send("DELETE", `call-logs/${id}`, alice.token)).status).toBe(404);
  });
});

describe("the recording", () => {
  it("is a presigned link to our copy in get and list, and any other URL as stored", async () => {
    const owner = await newUser();
    const ours = callLog(owner, "2024-03-01T10:00:00.000Z", { recordingUrl: objectUrlOf("recordings/ai-calling/2024/03/CA42.mp3") });
    const theirs = callLog(owner, "2024-03-01T09:00:00.000Z", { recordingUrl: "https://s3.amazonaws.com/recordings/call_sess_abc123xyz.mp3" });
    await insert(ours, theirs);

    const one = await send("GET", `call-logs/${ours._id}`, owner.token);
    const list = await send("GET", "call-logs", owner.token);

    const link = new URL(one.body.recordingUrl);
    expect(link.protocol).toMatch(/^https?:$/);
    expect(link.pathname).toContain("recordings/ai-calling/2024/03/CA42.mp3");
    expect(link.searchParams.get("X-Amz-Signature")).toBeTruthy();
    expect(new URL(list.body.data[0].recordingUrl).searchParams.get("X-Amz-Signature")).toBeTruthy();
    expect(list.body.data[1].recordingUrl).toBe(theirs.recordingUrl);
    expect(JSON.stringify([one.body, list.body])).not.toContain("s3://");
  });
});

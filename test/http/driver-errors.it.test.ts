/**
 * Driver errors through `withDriverErrors`, end to end over HTTP against the test stack's
 * MongoDB: a unique index violation is a 409 naming the field, a validator rejection a loudly
 * logged 500 that leaks nothing, an unreachable server a 503 the caller may retry.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetUnreachableClient } from "#test/fixtures/http/handlers.ts";
import { captureLogs, readError, startTestServer, type CapturedLogs, type TestServer } from "#test/fixtures/http/server.ts";

let server: TestServer;
let logs: CapturedLogs;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
  await resetUnreachableClient();
});

beforeEach(() => {
  logs = captureLogs();
});

afterEach(() => {
  logs.stop();
});

describe("409 CONFLICT from a unique index", () => {
  it("creates the first document with a given email", async () => {
    const response = await server.post("/test/unique", { email: "first@example.com" });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ _id: expect.stringMatching(/^[0-9a-f]{24}$/), email: "first@example.com" });
  });

  it("answers 409 CONFLICT naming the email field for the second document with that email", async () => {
    await server.post("/test/unique", { email: "taken@example.com" });

    const response = await server.post("/test/unique", { email: "taken@example.com" });
    const error = await readError(response);

    expect(response.status).toBe(409);
    expect(error.code).toBe("CONFLICT");
    expect(error.details?.[0].path).toBe("email");
    expect(error.details).toHaveLength(1);
  });

  it("says nothing of the driver or the index in the 409", async () => {
    await server.post("/test/unique", { email: "again@example.com" });

    const response = await server.post("/test/unique", { email: "again@example.com" });
    const text = await response.text();

    expect(response.status).toBe(409);
    expect(text).not.toMatch(/E11000|dup key|email_1|Mongo/);
  });
});

describe("500 INTERNAL from a validator rejection", () => {
  const attempt = { email: "plain@example.com", password: "p@ss" };

  it("answers a generic 500 that names neither the validator nor the document", async () => {
    const response = await server.post("/test/invalid-write", attempt);
    const text = await response.clone().text();
    const error = await readError(response);

    expect(response.status).toBe(500);
    expect(error).toEqual({ code: "INTERNAL", message: "Internal error", requestId: expect.any(String) });
    for (const leak of ["p@ss", "plain@example.com", "passwordHash", "argon2", "validation", "Mongo"]) expect(text).not.toContain(leak);
  });

  it("logs the rejection at error level, saying it was document validation", async () => {
    await server.post("/test/invalid-write", attempt);

    const rejection = logs.entries().find((entry) => /document validation/i.test(String(entry.message)));
    expect(rejection).toMatchObject({ level: "error", errInfo: { details: { operatorName: "$jsonSchema" } }, error: { code: 121 } });
  });

  it("logs the failed request with its request id", async () => {
    const response = await server.post("/test/invalid-write", attempt);

    const failed = logs.entries().find((entry) => entry.message === "request failed");
    expect(failed).toMatchObject({ level: "error", requestId: response.headers.get("x-request-id"), route: "POST /test/invalid-write" });
  });

  it("logs the refused document's id as its 24-hex string", async () => {
    await server.post("/test/invalid-write", attempt);

    const rejection = logs.entries().find((entry) => /document validation/i.test(String(entry.message)));
    expect(rejection).toMatchObject({ errInfo: { failingDocumentId: expect.stringMatching(/^[0-9a-f]{24}$/) } });
  });

  it("never logs the value the validator refused", async () => {
    await server.post("/test/invalid-write", attempt);

    expect(logs.raw.join("\n")).not.toContain("p@ss");
  });
});

describe("503 UNAVAILABLE from an unreachable database", () => {
  beforeEach(async () => {
    await resetUnreachableClient();
  });

  it("answers 503 UNAVAILABLE with Retry-After", async () => {
    const response = await server.call("/test/db-down");
    const text = await response.clone().text();
    const error = await readError(response);

    expect(response.status).toBe(503);
    expect(error.code).toBe("UNAVAILABLE");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|Mongo|selection/i);
  });

  it("logs the outage with its cause at error level", async () => {
    const response = await server.call("/test/db-down");

    const failed = logs.entries().find((entry) => entry.message === "request failed");
    expect(failed).toMatchObject({ requestId: response.headers.get("x-request-id"), error: { name: "UnavailableError", cause: { name: "MongoServerSelectionError" } } });
  });

  it("answers 503 again on the next request while the database stays down", async () => {
    await server.call("/test/db-down");

    const response = await server.call("/test/db-down");

    expect(response.status).toBe(503);
    expect((await readError(response)).code).toBe("UNAVAILABLE");
  });
});

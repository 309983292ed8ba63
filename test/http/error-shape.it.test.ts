/**
 * Every error status of API.md, end to end over HTTP: each answer has exactly the one error
 * shape (`readError` checks it, and that its requestId is the `x-request-id` header), the code
 * of its status, and the headers the status calls for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "#core/http/middleware/json-body.ts";
import { LOCKED_RETRY_SECONDS, RATE_LIMIT_RETRY_SECONDS } from "#test/fixtures/http/handlers.ts";
import { CRASH_MESSAGE, KNOWN_ITEM_ID } from "#test/fixtures/http/routes.ts";
import { echoBodyOfSize, readError, startTestServer, type TestServer } from "#test/fixtures/http/server.ts";

let server: TestServer;
const valid = { name: "ada", config: { llm: { temperature: 0.7 } } };

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe("400 VALIDATION_FAILED", () => {
  it("lists one detail per offending field, with dotted paths", async () => {
    const response = await server.post("/test/echo", { name: "", config: { llm: { temperature: 5 } } });
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details?.map((detail) => detail.path).sort()).toEqual(["config.llm.temperature", "name"]);
    for (const detail of error.details ?? []) expect(detail.message).not.toBe("");
  });

  it("refuses a missing nested field, naming its full path", async () => {
    const response = await server.post("/test/echo", { name: "ada", config: { llm: {} } });
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.details).toEqual([{ path: "config.llm.temperature", message: expect.any(String) }]);
  });

  it("refuses an unknown body key, naming it", async () => {
    const response = await server.post("/test/echo", { ...valid, role: "admin" });
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details).toEqual([{ path: "role", message: expect.any(String) }]);
  });

  it("refuses an unknown query parameter, naming it", async () => {
    const response = await server.post("/test/echo?debug=1", valid);
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details).toEqual([{ path: "debug", message: expect.any(String) }]);
  });

  it("refuses two unknown query parameters with one detail each", async () => {
    const response = await server.post("/test/echo?debug=1&verbose=1", valid);
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.details?.map((detail) => detail.path).sort()).toEqual(["debug", "verbose"]);
  });

  it("refuses two unknown body keys with one detail each", async () => {
    const response = await server.post("/test/echo", { ...valid, role: "admin", admin: true });
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.details?.map((detail) => detail.path).sort()).toEqual(["admin", "role"]);
  });

  it("refuses a path parameter that is not a 24-hex id", async () => {
    const response = await server.call("/test/items/not-an-id");
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.details).toEqual([{ path: "id", message: "must be a 24-hex id" }]);
  });
});

describe("400 BAD_REQUEST", () => {
  it("answers BAD_REQUEST for malformed JSON", async () => {
    const response = await server.call("/test/echo", { method: "POST", headers: { "content-type": "application/json" }, body: '{"name": "ada",' });
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.details).toBeUndefined();
  });
});

describe("errors thrown by handlers", () => {
  it("answers 401 UNAUTHORIZED with a Bearer challenge", async () => {
    const response = await server.call("/test/errors/401");
    const error = await readError(response);

    expect(response.status).toBe(401);
    expect(error.code).toBe("UNAUTHORIZED");
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("answers 403 FORBIDDEN", async () => {
    const response = await server.call("/test/errors/403");

    expect(response.status).toBe(403);
    expect((await readError(response)).code).toBe("FORBIDDEN");
  });

  it("answers 404 NOT_FOUND for an id the handler does not know", async () => {
    const response = await server.call("/test/items/0123456789abcdef01234567");
    const error = await readError(response);

    expect(response.status).toBe(404);
    expect(error).toMatchObject({ code: "NOT_FOUND", message: "item not found" });
  });

  it("answers 200 for the id the handler knows", async () => {
    const response = await server.call(`/test/items/${KNOWN_ITEM_ID}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ _id: KNOWN_ITEM_ID, name: "the known item" });
  });

  it("answers 423 LOCKED with the lock's Retry-After", async () => {
    const response = await server.call("/test/errors/423");

    expect(response.status).toBe(423);
    expect((await readError(response)).code).toBe("LOCKED");
    expect(response.headers.get("retry-after")).toBe(String(LOCKED_RETRY_SECONDS));
  });

  it("answers 429 RATE_LIMITED with Retry-After", async () => {
    const response = await server.call("/test/errors/429");

    expect(response.status).toBe(429);
    expect((await readError(response)).code).toBe("RATE_LIMITED");
    expect(response.headers.get("retry-after")).toBe(String(RATE_LIMIT_RETRY_SECONDS));
  });

  it("answers 503 UNAVAILABLE with Retry-After", async () => {
    const response = await server.call("/test/errors/503");

    expect(response.status).toBe(503);
    expect((await readError(response)).code).toBe("UNAVAILABLE");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("413 and 415", () => {
  it("answers 413 PAYLOAD_TOO_LARGE for a body one byte over 1 MiB", async () => {
    const response = await server.call("/test/echo", { method: "POST", headers: { "content-type": "application/json" }, body: echoBodyOfSize(MAX_BODY_BYTES + 1) });

    expect(response.status).toBe(413);
    expect((await readError(response)).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 415 UNSUPPORTED_MEDIA_TYPE for a text/plain body", async () => {
    const response = await server.call("/test/echo", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(valid) });

    expect(response.status).toBe(415);
    expect((await readError(response)).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("500 INTERNAL", () => {
  it("answers a generic 500 that says nothing of the unexpected error", async () => {
    const response = await server.call("/test/crash");
    const text = await response.clone().text();
    const error = await readError(response);

    expect(response.status).toBe(500);
    expect(error).toEqual({ code: "INTERNAL", message: "Internal error", requestId: expect.any(String) });
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain(CRASH_MESSAGE);
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

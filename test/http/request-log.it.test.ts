/**
 * Request ids and the access log over real HTTP: one structured `request` line per request,
 * carrying the id the caller was given; no credential or body ever in any line; an unexpected
 * 500 logged with its cause for operators while the caller learns nothing of it.
 */
import { describe, expect, it } from "vitest";
import { CRASH_MESSAGE } from "#test/fixtures/http/routes.ts";
import { readError, useTestServer } from "#test/fixtures/http/server.ts";

const ctx = useTestServer();
const valid = { name: "ada", config: { llm: { temperature: 0.7 } } };

describe("the access log", () => {
  it("writes exactly one request line, with route, method, path, status, duration and the request id", async () => {
    const response = await ctx.server.post("/test/echo", valid);

    const lines = ctx.logs.requests();
    expect(response.status).toBe(201);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "info", route: "POST /test/echo", method: "POST", path: "/test/echo", status: 201 });
    expect(lines[0].durationMs).toEqual(expect.any(Number));
    expect(lines[0].durationMs as number).toBeGreaterThanOrEqual(0);
    expect(lines[0].requestId).toBe(response.headers.get("x-request-id"));
  });

  it("writes one request line for a refused request, with its status and error code", async () => {
    const response = await ctx.server.post("/test/echo", { name: "" });
    const error = await readError(response);

    const lines = ctx.logs.requests();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 400, errorCode: "VALIDATION_FAILED", requestId: error.requestId });
  });

  it("writes one request line per request, each with its own request id", async () => {
    const first = await ctx.server.call("/health");
    const second = await ctx.server.call("/health");

    const ids = ctx.logs.requests().map((line) => line.requestId);
    expect(ids).toEqual([first.headers.get("x-request-id"), second.headers.get("x-request-id")]);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("logs the path without the query string", async () => {
    await ctx.server.call("/health?access_token=query-secret-123");

    const lines = ctx.logs.requests();
    expect(lines[0]).toMatchObject({ path: "/health", route: "GET /health" });
    expect(ctx.logs.raw.join("\n")).not.toContain("query-secret-123");
  });
});

describe("secrets", () => {
  const secrets = ["secret-token-xyz", "p@ss"];
  const auth = { authorization: "Bearer secret-token-xyz" };

  it("never logs the Authorization header or the body of a successful request", async () => {
    const response = await ctx.server.post("/test/echo", { ...valid, password: "p@ss" }, auth);

    expect(response.status).toBe(201);
    expect(ctx.logs.requests()).toHaveLength(1);
    for (const secret of secrets) expect(ctx.logs.raw.join("\n")).not.toContain(secret);
  });

  it("never logs them for a request refused by validation", async () => {
    const response = await ctx.server.post("/test/echo", { name: "", config: {}, password: "p@ss" }, auth);

    expect(response.status).toBe(400);
    expect(ctx.logs.requests()).toHaveLength(1);
    for (const secret of secrets) expect(ctx.logs.raw.join("\n")).not.toContain(secret);
  });

  it("never logs them for a body that is not valid JSON", async () => {
    const response = await ctx.server.call("/test/echo", { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: '{"password":"p@ss",' });

    expect(response.status).toBe(400);
    expect(ctx.logs.requests()).toHaveLength(1);
    for (const secret of secrets) expect(ctx.logs.raw.join("\n")).not.toContain(secret);
  });

  it("never logs them for a request that crashes", async () => {
    const response = await ctx.server.call("/test/crash", { headers: auth });

    expect(response.status).toBe(500);
    expect(ctx.logs.raw.join("\n")).not.toContain("secret-token-xyz");
  });
});

describe("an unexpected error", () => {
  it("logs its message and stack at error level with the request id, and sends neither", async () => {
    const response = await ctx.server.call("/test/crash");
    const body = await response.clone().text();
    const { requestId } = await readError(response);

    const failures = ctx.logs.entries().filter((entry) => entry.level === "error");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ requestId, route: "GET /test/crash", error: { name: "Error", message: CRASH_MESSAGE } });
    expect((failures[0].error as { stack?: string }).stack).toContain("handlers.ts");
    expect(body).not.toContain(CRASH_MESSAGE);
  });

  it("still writes exactly one request line, with status 500", async () => {
    const response = await ctx.server.call("/test/crash");

    const lines = ctx.logs.requests();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 500, requestId: response.headers.get("x-request-id") });
  });

  it("does not log a refused request's message at error level", async () => {
    await ctx.server.call("/test/errors/403");

    expect(ctx.logs.entries().filter((entry) => entry.level === "error")).toEqual([]);
    expect(ctx.logs.requests()).toHaveLength(1);
  });
});

/**
 * CORS over real HTTP with `CORS_ORIGINS=*` (as the test environment sets it): answers and
 * errors carry the headers a browser needs, and the local gateway answers preflights for
 * routed paths only, as API Gateway does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from "#core/http/cors.ts";
import { readError, startTestServer, type TestServer } from "#test/fixtures/http/server.ts";

let server: TestServer;
const origin = "https://app.example.com";
const valid = { name: "ada", config: { llm: { temperature: 0.7 } } };
const list = (value: string | null) => (value ?? "").split(",").map((item) => item.trim().toLowerCase()).filter(Boolean);

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe("simple requests", () => {
  it("allows any origin on a successful answer", async () => {
    const response = await server.call("/health", { headers: { origin } });

    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("exposes the request id and Retry-After to browser code", async () => {
    const response = await server.call("/health", { headers: { origin } });

    expect(list(response.headers.get("access-control-expose-headers"))).toEqual(expect.arrayContaining(["x-request-id", "retry-after", ...CORS_EXPOSED_HEADERS]));
  });

  it("never allows credentials together with the wildcard origin", async () => {
    const response = await server.call("/health", { headers: { origin } });

    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("errors", () => {
  it("carry CORS headers on a 400 from validation", async () => {
    const response = await server.post("/test/echo", { name: "" }, { origin });

    expect(response.status).toBe(400);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect((await readError(response)).code).toBe("VALIDATION_FAILED");
  });

  it("carry CORS headers on a 415 from the body parser", async () => {
    const response = await server.call("/test/echo", { method: "POST", headers: { origin, "content-type": "text/plain" }, body: JSON.stringify(valid) });

    expect(response.status).toBe(415);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("carry CORS headers on a 429, exposing its Retry-After", async () => {
    const response = await server.call("/test/errors/429", { headers: { origin } });

    expect(response.status).toBe(429);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(list(response.headers.get("access-control-expose-headers"))).toContain("retry-after");
  });

  it("carry CORS headers on an unexpected 500", async () => {
    const response = await server.call("/test/crash", { headers: { origin } });

    expect(response.status).toBe(500);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("preflight", () => {
  const preflight = (path: string, method = "POST") =>
    server.call(path, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": method, "access-control-request-headers": "content-type,authorization" },
    });

  it("answers 204 with the allowed methods and headers for a routed path", async () => {
    const response = await preflight("/test/echo");

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(list(response.headers.get("access-control-allow-methods"))).toEqual(expect.arrayContaining(["get", "post", "patch", "delete"]));
    expect(list(response.headers.get("access-control-allow-headers"))).toEqual(expect.arrayContaining(CORS_ALLOWED_HEADERS));
    expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(await response.text()).toBe("");
  });

  it("answers 204 for a path with a parameter", async () => {
    const response = await preflight("/test/items/5f0c2b7e9d3a4c1b2a6e8f00", "GET");

    expect(response.status).toBe(204);
  });

  it("answers 404 NOT_FOUND for a path no route serves", async () => {
    const response = await preflight("/no/such/path");

    expect(response.status).toBe(404);
    expect((await readError(response)).code).toBe("NOT_FOUND");
  });
});

/**
 * The platform's own routes through the real manifest and the local server: liveness, the
 * OpenAPI document, the docs page, and the gateway's 404 for what the manifest does not route.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routes } from "../../functions/routes.ts";
import { readError, startTestServer, type TestServer } from "#test/fixtures/http/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(routes);
});

afterAll(async () => {
  await server?.stop();
});

describe("GET /health", () => {
  it("answers 200 with status ok as JSON", async () => {
    const response = await server.call("/health");

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

describe("GET /openapi.json", () => {
  it("answers an OpenAPI 3.1 document describing every manifest route", async () => {
    const response = await server.call("/openapi.json");
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };

    expect(response.status).toBe(200);
    expect(document.openapi).toMatch(/^3\.1\./);
    for (const route of routes) {
      expect(document.paths[route.path], route.path).toBeDefined();
      expect(document.paths[route.path][route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
  });

  it("documents nothing the manifest does not route", async () => {
    const response = await server.call("/openapi.json");
    const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };

    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));

    expect(documented.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });
});

describe("GET /docs", () => {
  it("answers an HTML page naming every path", async () => {
    const response = await server.call("/docs");
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page).toMatch(/^<!doctype html>/i);
    for (const route of routes) expect(page, route.path).toContain(`<code>${route.path}</code>`);
  });
});

describe("what the manifest does not route", () => {
  it("answers 404 NOT_FOUND in the API.md shape for an unknown path", async () => {
    const response = await server.call("/no/such/path");
    const error = await readError(response);

    expect(response.status).toBe(404);
    expect(error.code).toBe("NOT_FOUND");
  });

  it("answers 404 NOT_FOUND for a known path with the wrong method", async () => {
    const response = await server.call("/health", { method: "DELETE" });
    const error = await readError(response);

    expect(response.status).toBe(404);
    expect(error.code).toBe("NOT_FOUND");
  });

  it("answers 404 for a POST to a GET-only route", async () => {
    const response = await server.call("/openapi.json", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });

    expect(response.status).toBe(404);
    expect((await readError(response)).code).toBe("NOT_FOUND");
  });
});

/**
 * API.md's body rules over real HTTP: JSON only (415 otherwise), at most 1 MiB (413), the
 * gateway's own 10 MiB ceiling above that, and body-less requests left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "#core/http/middleware/json-body.ts";
import { KNOWN_ITEM_ID } from "#test/fixtures/http/routes.ts";
import { echoBodyOfSize, readError, startTestServer, type TestServer } from "#test/fixtures/http/server.ts";

let server: TestServer;
const valid = { name: "ada", config: { llm: { temperature: 0.7 } } };
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

const postEcho = (body: string | Buffer, contentType?: string) =>
  server.call("/test/echo", { method: "POST", headers: contentType ? { "content-type": contentType } : {}, body });

describe("size", () => {
  it("accepts a body of exactly 1 MiB", async () => {
    const body = echoBodyOfSize(MAX_BODY_BYTES);

    const response = await postEcho(body, "application/json");
    const echoed = (await response.json()) as { notes: string };

    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    expect(response.status).toBe(201);
    expect(echoed.notes.length).toBe(JSON.parse(body).notes.length);
  });

  it("answers 413 for 1 MiB and one byte", async () => {
    const body = echoBodyOfSize(MAX_BODY_BYTES + 1);

    const response = await postEcho(body, "application/json");

    expect(response.status).toBe(413);
    expect((await readError(response)).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("counts bytes, not characters: 1 MiB of characters in multi-byte UTF-8 is too large", async () => {
    const body = JSON.stringify({ ...valid, notes: "é".repeat(MAX_BODY_BYTES / 2) });

    const response = await postEcho(body, "application/json");

    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect(response.status).toBe(413);
  });

  it("answers 413 PAYLOAD_TOO_LARGE for a body over the gateway's 10 MiB", async () => {
    const body = echoBodyOfSize(GATEWAY_MAX_BODY_BYTES + 1);

    const response = await postEcho(body, "application/json");

    expect(response.status).toBe(413);
    expect((await readError(response)).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("keeps serving after refusing a body over the gateway's limit", async () => {
    await postEcho(echoBodyOfSize(GATEWAY_MAX_BODY_BYTES + 1), "application/json").then((response) => response.arrayBuffer());

    const response = await server.post("/test/echo", valid);

    expect(response.status).toBe(201);
  });
});

describe("media type", () => {
  it("answers 415 for a JSON text sent as text/plain", async () => {
    const response = await postEcho(JSON.stringify(valid), "text/plain");
    const error = await readError(response);

    expect(response.status).toBe(415);
    expect(error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 415 for a body sent without any content type", async () => {
    const response = await postEcho(Buffer.from(JSON.stringify(valid)));

    expect(response.status).toBe(415);
    expect((await readError(response)).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 415 for a form-encoded body", async () => {
    const response = await postEcho("name=ada", "application/x-www-form-urlencoded");

    expect(response.status).toBe(415);
  });

  it("reads a form-encoded body into strings on a route that takes forms, and JSON there too", async () => {
    const post = (body: string, contentType: string) => server.call("/test/form-echo", { method: "POST", headers: { "content-type": contentType }, body });

    const form = await post("CallSid=abc%20123&Status=no-answer", "application/x-www-form-urlencoded; charset=UTF-8");
    const json = await post(JSON.stringify({ CallSid: "abc" }), "application/json");
    const text = await post("CallSid=abc", "text/plain");
    const invalid = await post("Status=busy", "application/x-www-form-urlencoded");

    expect(form.status).toBe(200);
    expect(await form.json()).toEqual({ CallSid: "abc 123", Status: "no-answer" });
    expect(await json.json()).toEqual({ CallSid: "abc" });
    expect(text.status).toBe(415);
    expect((await readError(text)).message).toMatch(/x-www-form-urlencoded/);
    expect(invalid.status).toBe(400);
    expect((await readError(invalid)).details?.[0].path).toBe("CallSid");
  });

  it("accepts application/json with a charset parameter", async () => {
    const response = await postEcho(JSON.stringify(valid), "application/json; charset=utf-8");

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual(valid);
  });

  it("accepts the content type in any letter case", async () => {
    const response = await postEcho(JSON.stringify(valid), "Application/JSON");

    expect(response.status).toBe(201);
  });

  it("does not take a look-alike type such as application/jsonx for JSON", async () => {
    const response = await postEcho(JSON.stringify(valid), "application/jsonx");

    expect(response.status).toBe(415);
  });
});

describe("requests without a body", () => {
  it("serves a GET without a body on a body-less route", async () => {
    const response = await server.call(`/test/items/${KNOWN_ITEM_ID}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ _id: KNOWN_ITEM_ID });
  });

  it("answers 400 VALIDATION_FAILED naming the whole body when a route needing one gets none", async () => {
    const response = await server.call("/test/echo", { method: "POST" });
    const error = await readError(response);

    expect(response.status).toBe(400);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details).toEqual([{ path: "", message: expect.any(String) }]);
  });
});

describe("success answers", () => {
  it("answers the route's success status with the handler's value as JSON", async () => {
    const response = await server.post("/test/echo", { ...valid, password: "p@ss" });

    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(valid);
  });
});

/**
 * The policies a route declares in the manifest run in the real `http()` stack: its rate limit
 * (RateLimit headers, then 429 with Retry-After), its cache (a hit does not run the handler; a
 * write that invalidates it does), and Idempotency-Key replays on POST.
 */
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueSession } from "#core/auth/tokens.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { policyRoutes } from "#test/fixtures/auth/routes.ts";

let server: LocalHttpServer;
let token: string;

beforeAll(async () => {
  server = await startHttpServer({ routes: policyRoutes, port: 0 });
  token = (await issueSession({ system: "ai-calling", userId: new ObjectId(), role: "user" })).accessToken;
});

afterAll(async () => {
  await server.stop();
});

const call = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}/ai-calling/test-auth/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

describe("route policies through http()", () => {
  it("counts calls per caller, sends RateLimit headers, then answers 429 with Retry-After", async () => {
    const first = await call("limited");
    await call("limited");
    const third = await call("limited");

    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  });

  it("answers a cached read without running the handler until a write invalidates it", async () => {
    const first = (await (await call("cached")).json()) as { runs: number };
    const hit = await call("cached");
    const cached = (await hit.json()) as { runs: number };
    await call("bump", { method: "POST" });
    const fresh = (await (await call("cached")).json()) as { runs: number };

    expect(hit.headers.get("x-cache")).toBe("hit");
    expect(cached.runs).toBe(first.runs);
    expect(fresh.runs).toBeGreaterThan(first.runs);
  });

  it("replays the first answer for a repeated Idempotency-Key", async () => {
    const key = `bump-${new ObjectId().toHexString()}`;

    const first = await call("bump", { method: "POST", headers: { "idempotency-key": key } });
    const again = await call("bump", { method: "POST", headers: { "idempotency-key": key } });

    expect(first.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
  });
});

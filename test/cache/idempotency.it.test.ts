/**
 * `Idempotency-Key` over real HTTP and the real redis-server: a retry gets the first answer back
 * without the handler running again; the same key with another request, or while the first is
 * still running, is a 409; a bad key is a 400; a 5xx (or a "retry later" 4xx) is not kept, so
 * the retry runs; Redis down fails closed with a 503.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { redis } from "#core/cache/redis.ts";
import { crashNextPayments, holdSlowPayments, runs } from "#test/fixtures/cache/handlers.ts";
import { cacheRoutes } from "#test/fixtures/cache/routes.ts";
import { TEST_USER_HEADER } from "#test/fixtures/cache/stack.ts";
import { readError, useTestServer } from "#test/fixtures/http/server.ts";

const ctx = useTestServer(cacheRoutes);

const newUser = () => randomBytes(12).toString("hex");
const pay = (path: string, body: unknown, { user, key }: { user?: string; key?: string }) =>
  ctx.server.post(`/ai-calling/idem-test/${path}`, body, { ...(user && { [TEST_USER_HEADER]: user }), ...(key !== undefined && { "idempotency-key": key }) });

describe("a retry with the same key and request", () => {
  it("replays the first answer, marked as replayed, without running the handler again", async () => {
    const [user, key] = [newUser(), randomUUID()];
    const first = await pay("payments", { amount: 10 }, { user, key });
    const firstBody = await first.text();
    const ranBefore = runs.createPayment;

    const retry = await pay("payments", { amount: 10 }, { user, key });

    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(firstBody);
    expect(retry.headers.get("location")).toBe(first.headers.get("location"));
    expect(retry.headers.get("content-type")).toBe("application/json");
    expect(retry.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(runs.createPayment).toBe(ranBefore);
  });

  it("keeps the answer 24 h under idempotency:{system}:{caller}:{key}", async () => {
    const [user, key] = [newUser(), randomUUID()];

    await pay("payments", { amount: 10 }, { user, key });

    const record = `idempotency:ai-calling:${user}:${key}`;
    expect(await redis().get(record)).toMatchObject({ state: "done", statusCode: 201, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await redis().ttl(record)).toBeGreaterThan(86_390);
  });

  it("keys a public route's records by client IP", async () => {
    const key = randomUUID();

    await pay("public-payments", { amount: 10 }, { key });

    expect(await redis().exists(`idempotency:ai-calling:127.0.0.1:${key}`)).toBe(1);
  });

  it("runs every request that carries no key", async () => {
    const user = newUser();
    const ranBefore = runs.createPayment;

    await pay("payments", { amount: 10 }, { user });
    await pay("payments", { amount: 10 }, { user });

    expect(runs.createPayment).toBe(ranBefore + 2);
  });

  it("keeps each caller's keys apart", async () => {
    const key = randomUUID();
    const first = (await (await pay("payments", { amount: 10 }, { user: newUser(), key })).json()) as { _id: string };

    const other = await pay("payments", { amount: 10 }, { user: newUser(), key });

    expect(other.headers.get("idempotent-replayed")).toBeNull();
    expect(((await other.json()) as { _id: string })._id).not.toBe(first._id);
  });
});

describe("409 CONFLICT", () => {
  it("refuses the same key with a different body", async () => {
    const [user, key] = [newUser(), randomUUID()];
    await pay("payments", { amount: 10 }, { user, key });
    const ranBefore = runs.createPayment;

    const response = await pay("payments", { amount: 99 }, { user, key });
    const error = await readError(response);

    expect(response.status).toBe(409);
    expect(error.code).toBe("CONFLICT");
    expect(error.details).toEqual([{ path: "Idempotency-Key", message: expect.stringContaining("different request") }]);
    expect(runs.createPayment).toBe(ranBefore);
  });

  it("refuses the same key and body sent to another endpoint", async () => {
    const [user, key] = [newUser(), randomUUID()];
    await pay("payments", { amount: 10 }, { user, key });

    const response = await pay("other-payments", { amount: 10 }, { user, key });

    expect(response.status).toBe(409);
    expect((await readError(response)).code).toBe("CONFLICT");
  });

  it("refuses a duplicate while the first request is still running, then replays its answer", async () => {
    const [user, key] = [newUser(), randomUUID()];
    const held = holdSlowPayments();
    const first = pay("slow-payments", { amount: 10 }, { user, key });
    await held.entered;

    const duplicate = await pay("slow-payments", { amount: 10 }, { user, key });
    const error = await readError(duplicate);
    held.release();
    const firstAnswer = await first;
    const retry = await pay("slow-payments", { amount: 10 }, { user, key });

    expect(duplicate.status).toBe(409);
    expect(error.message).toMatch(/still being processed/);
    expect(firstAnswer.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(await firstAnswer.text());
  });
});

describe("400 for a bad Idempotency-Key", () => {
  for (const [what, key] of [["too long", "k".repeat(256)], ["with a control character", "a\tb"], ["blank", " "]] as const) {
    it(`refuses a key ${what}, naming the header`, async () => {
      const response = await pay("payments", { amount: 10 }, { user: newUser(), key });
      const error = await readError(response);

      expect(response.status).toBe(400);
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.details).toEqual([{ path: "Idempotency-Key", message: expect.any(String) }]);
    });
  }
});

describe("which answers are kept", () => {
  it("forgets a 5xx, so the retry runs again", async () => {
    const [user, key] = [newUser(), randomUUID()];
    crashNextPayments(1);

    const crashed = await pay("flaky-payments", { amount: 10 }, { user, key });
    const retry = await pay("flaky-payments", { amount: 10 }, { user, key });

    expect(crashed.status).toBe(500);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
  });

  it("keeps a 4xx error answer and replays it", async () => {
    const [user, key] = [newUser(), randomUUID()];
    const first = await pay("refused-payments", { amount: 10 }, { user, key });
    const firstBody = await first.text();
    const ranBefore = runs.refusePayment;

    const retry = await pay("refused-payments", { amount: 10 }, { user, key });

    expect(first.status).toBe(404);
    expect(retry.status).toBe(404);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.text()).toBe(firstBody);
    expect(runs.refusePayment).toBe(ranBefore);
  });

  it("forgets a 429 from the handler, so the retry runs again", async () => {
    const [user, key] = [newUser(), randomUUID()];
    await pay("refused-payments", { amount: 429 }, { user, key });
    const ranBefore = runs.refusePayment;

    const retry = await pay("refused-payments", { amount: 429 }, { user, key });

    expect(retry.status).toBe(429);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(runs.refusePayment).toBe(ranBefore + 1);
  });
});

describe("when Redis is unreachable", () => {
  it("answers 503 UNAVAILABLE with Retry-After without running the handler, and says so in the log", async () => {
    const ranBefore = runs.createPaymentRedisDown ?? 0;

    const response = await pay("payments-down", { amount: 10 }, { user: newUser(), key: randomUUID() });
    const error = await readError(response);

    expect(response.status).toBe(503);
    expect(error.code).toBe("UNAVAILABLE");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(runs.createPaymentRedisDown ?? 0).toBe(ranBefore);
    expect(ctx.logs.entries().some((entry) => entry.message === "idempotency refused the request: redis unreachable (failing closed)")).toBe(true);
  });

  it("still runs a request that carries no key", async () => {
    const response = await pay("payments-down", { amount: 10 }, { user: newUser() });

    expect(response.status).toBe(201);
  });
});

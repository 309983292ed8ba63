/**
 * Car Sales' auth endpoints over real HTTP (what every system's auth endpoints share, its cost-12
 * hash and its defaults included, is in test/auth/endpoints.it.test.ts): registration with the
 * document's profile rules and email pattern, login clearing `loginAttempts`, and the document's
 * account lock (5 failures lock the account: 423 with Retry-After, whatever the password), which
 * holds in the user document even when the login guard's Redis count is gone.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CAR_SALES_LOCKOUT } from "#core/auth/account-lockout.ts";
import { clearLoginFailures, ipKey } from "#core/auth/login-guard.ts";
import { rateLimitKey } from "#core/cache/rate-limit.ts";
import { redis } from "#core/cache/redis.ts";
import { collections } from "#core/car-sales/collections.ts";
import { DOCUMENT_EMAIL_PATTERN, EMAIL_PATTERN, users as usersDefinition } from "#core/car-sales/users.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { routes } from "../../functions/routes.ts";

let server: LocalHttpServer;

beforeAll(async () => {
  await syncCollections({ db: database("car-sales"), definitions: collections });
  server = await startHttpServer({ routes, port: 0 });
});

afterAll(async () => {
  await server.stop();
});

// Every test logs in from 127.0.0.1, as test/auth/endpoints.it.test.ts does at the same time: each
// starts below the per-IP limits (tested in login-guard and rate-limit).
beforeEach(async () => {
  await redis().del(ipKey("car-sales", "127.0.0.1"), ...["auth:register", "auth:login"].map((endpoint) => rateLimitKey("car-sales", endpoint, "127.0.0.1")));
});

type Json = Record<string, any>;
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${server.url}/car-sales/auth/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
};
const stored = (email: string) => database("car-sales").collection("users").findOne({ email: email.toLowerCase() });
const newEmail = () => `Seller.${randomBytes(4).toString("hex")}@Dealer.com`;
const PASSWORD = "correct horse battery";
const profile = { firstName: "Ada", lastName: "Lovelace", phone: "+1 (555) 010-2030", dealership: "North Motors" };

describe("register", () => {
  it("refuses a profile without its required names, with one detail per path", async () => {
    const { status, body } = await post("register", { email: newEmail(), password: PASSWORD, profile: { phone: "555-0100" } });

    expect(status).toBe(400);
    expect(body.error.details.map((detail: Json) => detail.path).sort()).toEqual(["profile.firstName", "profile.lastName"]);
  });

  it("accepts the phone pattern's digits, spaces, dashes and parentheses and refuses letters", async () => {
    const accepted = await post("register", { email: newEmail(), password: PASSWORD, profile: { ...profile, phone: "(555) 123-4567" } });
    const refused = await post("register", { email: newEmail(), password: PASSWORD, profile: { ...profile, phone: "call me" } });

    expect(accepted.status).toBe(201);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((detail: Json) => detail.path)).toEqual(["profile.phone"]);
  });
});

describe("the email rule", () => {
  const samples = ["a@b.co", "first.last@mail.example.com", "a-b@c-d.org", "a_b@c.d.uk", "a..b@c.com", "a.@b.com", "a@b.c", "a@b.comm", "a@b", "@b.com", "a b@c.com", "a@b-.com", "x@y.co.uk"];

  it("answers exactly as the document's pattern does", () => {
    for (const sample of samples) expect(EMAIL_PATTERN.test(sample), sample).toBe(DOCUMENT_EMAIL_PATTERN.test(sample));
  });

  it("refuses the document pattern's catastrophic inputs at once, at or past the length cap", () => {
    const started = Date.now();

    const short = usersDefinition.createInput.shape.email.safeParse(`${"a".repeat(200)}!`);
    const long = usersDefinition.createInput.shape.email.safeParse(`${"a".repeat(10_000)}!`);

    expect(short.success || long.success).toBe(false);
    expect(long.error!.issues.map((issue) => issue.code)).toEqual(["too_big"]);
    expect(Date.now() - started).toBeLessThan(100);
  });
});

describe("login", () => {
  it("counts a wrong password in loginAttempts, and a successful login resets the count and leaves no lock", async () => {
    const email = newEmail();
    await post("register", { email, password: PASSWORD, profile });
    await post("login", { email, password: "wrong password!" });
    expect((await stored(email))!.loginAttempts).toBe(1);

    const { status } = await post("login", { email: email.toUpperCase(), password: PASSWORD });
    const user = await stored(email);

    expect(status).toBe(200);
    expect(user!.loginAttempts).toBe(0);
    expect(user).not.toHaveProperty("lockUntil");
  });

  it("locks the account after five wrong passwords: 423 with Retry-After, even with the right one", async () => {
    const email = newEmail();
    await post("register", { email, password: PASSWORD, profile });
    for (let i = 0; i < CAR_SALES_LOCKOUT.maxAttempts; i++) expect((await post("login", { email, password: `guess-${i}-wrong` })).status).toBe(401);

    const locked = await post("login", { email, password: PASSWORD });
    const user = await stored(email);

    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe("LOCKED");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(user!.loginAttempts).toBe(CAR_SALES_LOCKOUT.maxAttempts);
    expect(user!.lockUntil.getTime()).toBeGreaterThan(Date.now() + (CAR_SALES_LOCKOUT.lockSeconds - 60) * 1000);
  });

  it("lets the right password in once the lock has expired, and clears the count and the lock", async () => {
    const email = newEmail();
    await post("register", { email, password: PASSWORD, profile });
    for (let i = 0; i < CAR_SALES_LOCKOUT.maxAttempts; i++) await post("login", { email, password: `guess-${i}-wrong` });
    // Two hours pass: the document's lock runs out and the guard's Redis window with it.
    await database("car-sales").collection("users").updateOne({ email: email.toLowerCase() }, { $set: { lockUntil: new Date(Date.now() - 1000) } });
    await clearLoginFailures({ system: "car-sales", account: email });

    const after = await post("login", { email, password: PASSWORD });
    const user = await stored(email);

    expect(after.status).toBe(200);
    expect(after.body.accessToken).toEqual(expect.any(String));
    expect(user!.loginAttempts).toBe(0);
    expect(user!.lockUntil ?? null).toBeNull();
  });

  it("keeps the lock in the user document when the guard's count is gone, and an unknown email reads alike", async () => {
    const email = newEmail();
    const unknown = newEmail();
    await post("register", { email, password: PASSWORD, profile });
    for (let i = 0; i < CAR_SALES_LOCKOUT.maxAttempts; i++) {
      await post("login", { email, password: `guess-${i}-wrong` });
      await post("login", { email: unknown, password: `guess-${i}-wrong` });
    }
    await clearLoginFailures({ system: "car-sales", account: email });

    const locked = await post("login", { email, password: PASSWORD });
    const blocked = await post("login", { email: unknown, password: PASSWORD });

    expect(locked.status).toBe(423);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(CAR_SALES_LOCKOUT.lockSeconds - 60);
    expect(blocked.status).toBe(423);
    expect(blocked.body.error.message).toBe(locked.body.error.message);
    expect((await stored(email))!.loginAttempts).toBe(CAR_SALES_LOCKOUT.maxAttempts);
  });
});

/**
 * The login guard against the test stack's Redis: failures per account and per IP, the block and
 * its Retry-After, Car Sales' 423 lock, clearing on success, windows expiring, and 503 when Redis
 * is down (logins fail closed).
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { checkLoginAllowed, clearLoginFailures, createLoginGuard, recordLoginFailure, type LoginAttempt, type LoginGuardPolicy } from "#core/auth/login-guard.ts";
import { createRedisClient, redis } from "#core/cache/redis.ts";
import { AppError, LockedError, RateLimitedError, UnavailableError } from "#core/errors.ts";
import { setLogSink } from "#core/log.ts";
import { SYSTEM_SLUGS, type SystemSlug } from "#core/systems.ts";

const email = () => `user-${randomBytes(4).toString("hex")}@example.com`;
const ipv4 = () => `198.51.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
const attempt = (system: SystemSlug, overrides: Partial<LoginAttempt> = {}): LoginAttempt => ({ system, account: email(), ip: ipv4(), ...overrides });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const failTimes = async (times: number, make: () => LoginAttempt) => {
  for (let i = 0; i < times; i++) await recordLoginFailure(make());
};

const refusal = async (promise: Promise<unknown>): Promise<AppError> => {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error("expected the login to be refused");
};

let restoreLog: (() => void) | undefined;
afterEach(() => restoreLog?.());

describe("per account", () => {
  it("allows four failed logins and refuses the next with 429 and a Retry-After of the 15-minute block", async () => {
    const login = attempt("delauto");
    await failTimes(4, () => ({ ...login, ip: ipv4() }));
    await checkLoginAllowed(login);

    await recordLoginFailure(login);
    const error = await refusal(checkLoginAllowed({ ...login, ip: ipv4() }));

    expect(error).toBeInstanceOf(RateLimitedError);
    expect(Number(error.headers["Retry-After"])).toBeGreaterThan(890);
    expect(Number(error.headers["Retry-After"])).toBeLessThanOrEqual(900);
  });

  it("counts an email the same whatever its case and surrounding spaces", async () => {
    const account = email();

    await failTimes(5, () => attempt("automedia", { account: ` ${account.toUpperCase()} ` }));

    expect(await refusal(checkLoginAllowed(attempt("automedia", { account })))).toBeInstanceOf(RateLimitedError);
  });

  it("locks a Car Sales email for 2 hours with 423, whether or not an account exists", async () => {
    const login = attempt("car-sales"); // the guard never asks whether the email is registered

    await failTimes(5, () => login);
    const error = await refusal(checkLoginAllowed(login));

    expect(error).toBeInstanceOf(LockedError);
    expect(error.statusCode).toBe(423);
    expect(Number(error.headers["Retry-After"])).toBeGreaterThan(7190);
  });

  it("keeps each system's counts apart", async () => {
    const account = email();

    await failTimes(5, () => attempt("sales-automation", { account }));

    await expect(checkLoginAllowed(attempt("ai-calling", { account }))).resolves.toBeUndefined();
  });

  it("forgets an account's failures after a successful login, but not the IP's", async () => {
    const login = attempt("ai-calling");
    await failTimes(4, () => login);

    await clearLoginFailures(login);
    const counts = await recordLoginFailure(login);

    expect(counts).toEqual({ accountFailures: 1, ipFailures: 5 });
    await expect(checkLoginAllowed(login)).resolves.toBeUndefined();
  });
});

describe("per IP", () => {
  it("refuses an IP after 20 failures spread over different accounts, even for a fresh account", async () => {
    const ip = ipv4();

    await failTimes(20, () => attempt("delauto", { ip }));
    const error = await refusal(checkLoginAllowed(attempt("delauto", { ip })));

    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.statusCode).toBe(429);
  });

  it("counts every address of one IPv6 /64 together", async () => {
    const prefix = `2001:db8:${randomBytes(2).toString("hex")}:1`;

    await failTimes(20, () => attempt("automedia", { ip: `${prefix}:${randomBytes(2).toString("hex")}::${randomBytes(2).toString("hex")}` }));

    expect(await refusal(checkLoginAllowed(attempt("automedia", { ip: `${prefix}::1` })))).toBeInstanceOf(RateLimitedError);
  });
});

describe("windows", () => {
  it("forget failures once the window has passed", async () => {
    const rule = { maxFailures: 3, windowSeconds: 0.2, blockSeconds: 0.2 };
    const policy: LoginGuardPolicy = { account: rule, ip: rule, accountRefusal: "rate-limited" };
    const guard = createLoginGuard({ redis: redis(), policies: Object.fromEntries(SYSTEM_SLUGS.map((slug) => [slug, policy])) as Record<SystemSlug, LoginGuardPolicy> });
    const login = attempt("delauto");
    await guard.recordLoginFailure(login);
    await guard.recordLoginFailure(login);

    await sleep(300);
    const counts = await guard.recordLoginFailure(login);

    expect(counts).toEqual({ accountFailures: 1, ipFailures: 1 });
  });
});

describe("when Redis is unreachable", () => {
  it("refuses logins with 503 and Retry-After, and logs a warning that it fails closed", async () => {
    const lines: string[] = [];
    restoreLog = setLogSink((line) => lines.push(line));
    const offline = createLoginGuard({ redis: createRedisClient({ url: "http://127.0.0.1:9", token: "unused" }) });

    const error = await refusal(offline.checkLoginAllowed(attempt("car-sales")));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.headers["Retry-After"]).toBe("5");
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining("fails closed") }));
  });
});

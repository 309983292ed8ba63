/**
 * Sessions against the test stack's Redis: access tokens bound to one system, expiry, tampering,
 * secret rotation, refresh rotation with reuse detection, logout, AI Calling's user:token cache,
 * the store hooks, and 503 when Redis is down.
 */
import { randomBytes } from "node:crypto";
import { ObjectId } from "mongodb";
import { afterEach, describe, expect, it } from "vitest";
import { createTokenService, issueSession, refreshSession, revokeSession, toCaller, verifyAccessToken, type IssuedSession, type SessionStore } from "#core/auth/tokens.ts";
import { ACCESS_TOKEN_TTL_SECONDS } from "#core/auth/jwt.ts";
import { createRedisClient, redis } from "#core/cache/redis.ts";
import { config } from "#core/config/index.ts";
import { UnauthorizedError, UnavailableError } from "#core/errors.ts";
import { setLogSink } from "#core/log.ts";

const secret = () => randomBytes(32).toString("base64url");
const newUserId = () => new ObjectId().toHexString();
const minutesAgo = (minutes: number) => () => new Date(Date.now() - minutes * 60_000);

/** Resolves to the error a promise rejects with (fails the test if it resolves). */
const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
};

const expectRefused = async (promise: Promise<unknown>) => {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(UnauthorizedError);
  expect(error.message).toBe("invalid or expired token");
};

let restoreLog: (() => void) | undefined;
afterEach(() => restoreLog?.());

describe("access tokens", () => {
  it("round-trips: the token names the user, role and system, and expires in 15 minutes", async () => {
    const userId = newUserId();

    const session = await issueSession({ system: "delauto", userId: new ObjectId(userId), role: "agent" });
    const identity = await verifyAccessToken(session.accessToken, "delauto");

    expect(session.expiresIn).toBe(ACCESS_TOKEN_TTL_SECONDS);
    expect(identity).toMatchObject({ userId, role: "agent", system: "delauto" });
    expect(identity.tokenId).toEqual(expect.any(String));
    expect(identity.expiresAt.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(toCaller(identity).userId.equals(new ObjectId(userId))).toBe(true);
  });

  it("refuses a token of one system at another system", async () => {
    const session = await issueSession({ system: "car-sales", userId: newUserId(), role: "admin" });

    await expectRefused(verifyAccessToken(session.accessToken, "ai-calling"));
  });

  it("refuses an expired token", async () => {
    const { accessSecret, refreshSecret } = config("jwt");
    const past = createTokenService({ accessSecrets: [accessSecret], refreshSecrets: [refreshSecret], redis: redis(), clock: minutesAgo(20) });
    const session = await past.issueSession({ system: "automedia", userId: newUserId(), role: "user" });

    await expectRefused(verifyAccessToken(session.accessToken, "automedia"));
  });

  it("refuses a token whose claims were changed after signing", async () => {
    const session = await issueSession({ system: "delauto", userId: newUserId(), role: "agent" });
    const [header, payload, signature] = session.accessToken.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: "admin" })).toString("base64url");

    await expectRefused(verifyAccessToken(`${header}.${forged}.${signature}`, "delauto"));
  });

  it("refuses malformed tokens, refresh tokens and tokens signed with an unknown secret", async () => {
    const session = await issueSession({ system: "delauto", userId: newUserId(), role: "agent" });
    const stranger = createTokenService({ accessSecrets: [secret()], refreshSecrets: [secret()], redis: redis() });
    const foreign = await stranger.issueSession({ system: "delauto", userId: newUserId(), role: "admin" });

    await expectRefused(verifyAccessToken("not.a.jwt", "delauto"));
    await expectRefused(verifyAccessToken(session.refreshToken, "delauto"));
    await expectRefused(verifyAccessToken(foreign.accessToken, "delauto"));
  });

  it("still accepts a token signed with a retired secret listed among the previous secrets", async () => {
    const [retired, current, refresh] = [secret(), secret(), secret()];
    const before = createTokenService({ accessSecrets: [retired], refreshSecrets: [refresh], redis: redis() });
    const afterRotation = createTokenService({ accessSecrets: [current, retired], refreshSecrets: [refresh], redis: redis() });
    const afterRetirement = createTokenService({ accessSecrets: [current], refreshSecrets: [refresh], redis: redis() });
    const userId = newUserId();
    const old = await before.issueSession({ system: "sales-automation", userId, role: "user" });

    const identity = await afterRotation.verifyAccessToken(old.accessToken, "sales-automation");

    expect(identity.userId).toBe(userId);
    await expectRefused(afterRetirement.verifyAccessToken(old.accessToken, "sales-automation"));
  });
});

describe("refresh tokens", () => {
  it("rotate: a refresh answers a new pair, and the refresh token it replaced no longer works", async () => {
    const first = await issueSession({ system: "automedia", userId: newUserId(), role: "user" });

    const second = await refreshSession(first.refreshToken, "automedia");

    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await verifyAccessToken(second.accessToken, "automedia")).role).toBe("user");
    await expectRefused(refreshSession(first.refreshToken, "automedia"));
  });

  it("revoke the whole session when an old refresh token is reused, and log a warning", async () => {
    const lines: string[] = [];
    restoreLog = setLogSink((line) => lines.push(line));
    const first = await issueSession({ system: "delauto", userId: newUserId(), role: "agent" });
    const second = await refreshSession(first.refreshToken, "delauto");

    await expectRefused(refreshSession(first.refreshToken, "delauto"));

    await expectRefused(refreshSession(second.refreshToken, "delauto"));
    await expectRefused(verifyAccessToken(second.accessToken, "delauto"));
    await expectRefused(verifyAccessToken(first.accessToken, "delauto"));
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining("reused") }));
  });

  it("are refused by another system", async () => {
    const session = await issueSession({ system: "car-sales", userId: newUserId(), role: "salesperson" });

    await expectRefused(refreshSession(session.refreshToken, "delauto"));
  });

  it("let a reauthorize hook refuse the refresh or put the user's current role in the new tokens", async () => {
    const session = await issueSession({ system: "car-sales", userId: newUserId(), role: "salesperson" });

    const promoted = await refreshSession(session.refreshToken, "car-sales", { reauthorize: async () => ({ role: "manager" }) });
    const refused = rejection(refreshSession(promoted.refreshToken, "car-sales", { reauthorize: async () => { throw new UnauthorizedError("account disabled"); } }));

    expect((await verifyAccessToken(promoted.accessToken, "car-sales")).role).toBe("manager");
    expect((await refused).message).toBe("account disabled");
  });
});

describe("logout", () => {
  it("revokes the session: its refresh token and its access tokens are refused", async () => {
    const session = await issueSession({ system: "sales-automation", userId: newUserId(), role: "user" });

    await revokeSession(session.refreshToken, "sales-automation");

    await expectRefused(refreshSession(session.refreshToken, "sales-automation"));
    await expectRefused(verifyAccessToken(session.accessToken, "sales-automation"));
  });

  it("leaves the user's other sessions working", async () => {
    const userId = newUserId();
    const phone = await issueSession({ system: "sales-automation", userId, role: "user" });
    const laptop = await issueSession({ system: "sales-automation", userId, role: "user" });

    await revokeSession(phone.refreshToken, "sales-automation");

    expect((await verifyAccessToken(laptop.accessToken, "sales-automation")).userId).toBe(userId);
    expect((await refreshSession(laptop.refreshToken, "sales-automation")).accessToken).toEqual(expect.any(String));
  });
});

describe("AI Calling's user:token cache", () => {
  it("holds the current refresh token for 7 days, follows refreshes and is removed at logout", async () => {
    const userId = newUserId();
    const key = `user:token:${userId}`;

    const first = await issueSession({ system: "ai-calling", userId, role: "user" });
    const cachedAtLogin = await redis().get(key);
    const ttl = await redis().ttl(key);
    const second = await refreshSession(first.refreshToken, "ai-calling");
    const cachedAfterRefresh = await redis().get(key);
    await revokeSession(second.refreshToken, "ai-calling");

    expect(cachedAtLogin).toBe(first.refreshToken);
    expect(ttl).toBeGreaterThan(604_700);
    expect(cachedAfterRefresh).toBe(second.refreshToken);
    expect(await redis().get(key)).toBeNull();
  });

  it("is kept when another of the user's sessions ends", async () => {
    const userId = newUserId();
    const older = await issueSession({ system: "ai-calling", userId, role: "user" });
    const newer = await issueSession({ system: "ai-calling", userId, role: "user" });

    await revokeSession(older.refreshToken, "ai-calling");

    expect(await redis().get(`user:token:${userId}`)).toBe(newer.refreshToken);
  });

  it("is removed when reuse revokes the session", async () => {
    const userId = newUserId();
    const first = await issueSession({ system: "ai-calling", userId, role: "user" });
    await refreshSession(first.refreshToken, "ai-calling");

    await expectRefused(refreshSession(first.refreshToken, "ai-calling"));

    expect(await redis().get(`user:token:${userId}`)).toBeNull();
  });

  it("is not written for the other systems", async () => {
    const userId = newUserId();

    await issueSession({ system: "delauto", userId, role: "agent" });

    expect(await redis().exists(`user:token:${userId}`)).toBe(0);
  });
});

describe("session store hooks", () => {
  it("hear of each login, refresh and logout, with the family that ties them together", async () => {
    const issued: IssuedSession[] = [];
    const revoked: { familyId: string; reason: string }[] = [];
    const store: SessionStore = { onIssued: async (session) => void issued.push(session), onRevoked: async (event) => void revoked.push(event) };

    const first = await issueSession({ system: "automedia", userId: newUserId(), role: "user" }, { store });
    const second = await refreshSession(first.refreshToken, "automedia", { store });
    await revokeSession(second.refreshToken, "automedia", { store });

    expect(issued.map((session) => session.reason)).toEqual(["login", "refresh"]);
    expect(issued[1]).toMatchObject({ familyId: issued[0].familyId, refreshToken: second.refreshToken, accessToken: second.accessToken });
    expect(issued[1].refreshExpiresAt.getTime()).toBeGreaterThan(issued[1].accessExpiresAt.getTime());
    expect(revoked).toEqual([expect.objectContaining({ familyId: issued[0].familyId, reason: "logout", system: "automedia" })]);
  });
});

describe("when Redis is unreachable", () => {
  it("answers 503 rather than trusting a token it cannot check against revocations, unless told reads may go on", async () => {
    const { accessSecret, refreshSecret } = config("jwt");
    const offline = createTokenService({
      accessSecrets: [accessSecret], refreshSecrets: [refreshSecret],
      redis: createRedisClient({ url: "http://127.0.0.1:9", token: "unused" }),
    });
    const session = await issueSession({ system: "delauto", userId: newUserId(), role: "agent" });

    const verifyError = await rejection(offline.verifyAccessToken(session.accessToken, "delauto"));
    const issueError = await rejection(offline.issueSession({ system: "delauto", userId: newUserId(), role: "agent" }));
    const readIdentity = await offline.verifyAccessToken(session.accessToken, "delauto", { whenRedisDown: "open" });
    const forgedError = await rejection(offline.verifyAccessToken(`${session.accessToken.slice(0, -2)}xx`, "delauto", { whenRedisDown: "open" }));

    expect(verifyError).toBeInstanceOf(UnavailableError);
    expect(readIdentity).toMatchObject({ system: "delauto", role: "agent" });
    expect(forgedError).toBeInstanceOf(UnauthorizedError);
    expect(issueError).toBeInstanceOf(UnavailableError);
  });
});

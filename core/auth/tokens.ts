/**
 * Sessions: a login issues an access token (15 min) and a refresh token (30 days) of a new refresh
 * family; each refresh rotates the pair; presenting a refresh token the family has already moved
 * past (a stolen copy, replayed) revokes the whole family; logout revokes it too. Access tokens
 * stay stateless but for one Redis lookup of the family's denylist entry.
 *
 *   login ──issueSession──► family F, current jti r1 ──► { access a1, refresh r1 }
 *   refreshSession(r1) ──► r1 == current? swap to r2 ──► { a2, r2 }
 *   refreshSession(r1) again ──► r1 ≠ r2: reuse ──► F deleted + denylisted ──► 401 (a2, r2 dead too)
 *
 * `createTokenService` takes explicit secrets and a Redis client (tests, tools); the functions
 * exported below use the container's configuration (`jwt` section) and Redis, read on first use.
 *
 * @example
 * const session = await issueSession({ system: "delauto", userId: agent._id, role: agent.role });
 * const me = await verifyAccessToken(bearer, "delauto"); // { userId, role, system, tokenId, familyId, expiresAt }
 * const next = await refreshSession(body.refreshToken, "delauto");
 * await revokeSession(body.refreshToken, "delauto");
 */
import type { Redis } from "@upstash/redis";
import { decodeJwt } from "jose";
import { ObjectId } from "mongodb";
import { redis as containerRedis } from "../cache/redis.ts";
import { config } from "../config/index.ts";
import type { Caller } from "../db/repository.ts";
import { InternalError, UnauthorizedError } from "../errors.ts";
import { log } from "../log.ts";
import type { SystemSlug } from "../systems.ts";
import { ACCESS_TOKEN_TTL_SECONDS, INVALID_TOKEN_MESSAGE, randomId, REFRESH_TOKEN_TTL_SECONDS, signToken, verifyToken, type TokenClaims, type TokenSubject } from "./jwt.ts";
import { createKeyring } from "./keyring.ts";
import { isFamilyRevoked, revokeFamily, rotateFamily, startFamily } from "./refresh-families.ts";

export { ACCESS_TOKEN_TTL_SECONDS, INVALID_TOKEN_MESSAGE, REFRESH_TOKEN_TTL_SECONDS, TOKEN_ISSUER } from "./jwt.ts";

/** What login and refresh answer (API.md: `accessToken`, `refreshToken`, `expiresIn` seconds). */
export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** A verified access token: who is calling, for which system, until when. */
export type AccessIdentity = TokenClaims;

/** Everything known about a pair just issued, for a `SessionStore`. */
export interface IssuedSession extends TokenSubject, Session {
  reason: "login" | "refresh";
  accessTokenId: string;
  refreshTokenId: string;
  accessExpiresAt: Date;
  refreshExpiresAt: Date;
}

/**
 * Optional persistence beside Redis, for a system whose document keeps sessions in MongoDB
 * (AutoMedia's `sessions`: token and refresh-token hashes, `expiresAt` TTL). `onIssued` runs after
 * each login and refresh (upsert by `familyId`, store hashes, never the tokens); `onRevoked` after
 * logout or reuse. Both run after Redis has changed; a hook that throws fails the call.
 */
export interface SessionStore {
  onIssued?(session: IssuedSession): Promise<void>;
  onRevoked?(revoked: { system: SystemSlug; userId: string; familyId: string; reason: "logout" | "reuse" }): Promise<void>;
}

export interface TokenServiceOptions {
  /** Access-token secrets, newest first: the first signs, all verify. */
  accessSecrets: readonly string[];
  refreshSecrets: readonly string[];
  redis: Redis;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  /** The time tokens are issued and checked at (tests move it). */
  clock?: () => Date;
}

export interface RefreshOptions {
  store?: SessionStore;
  /**
   * Runs after the refresh token checks out and before rotation: throw to refuse (a deactivated
   * user), or return the user's current role to put in the new tokens.
   */
  reauthorize?(claims: TokenClaims): Promise<{ role: string } | void>;
}

export type TokenService = ReturnType<typeof createTokenService>;

/**
 * A token service over explicit secrets and Redis.
 * @example
 * const tokens = createTokenService({ accessSecrets: [current, retired], refreshSecrets: [refresh], redis });
 * const { accessToken } = await tokens.issueSession({ system: "automedia", userId, role: "user" });
 */
export function createTokenService({ accessSecrets, refreshSecrets, redis, accessTtlSeconds = ACCESS_TOKEN_TTL_SECONDS, refreshTtlSeconds = REFRESH_TOKEN_TTL_SECONDS, clock = () => new Date() }: TokenServiceOptions) {
  const accessKeys = createKeyring(accessSecrets);
  const refreshKeys = createKeyring(refreshSecrets);
  // AI Calling's document caches the user's current token under user:token:{userId}.
  const cachesUserToken = (system: SystemSlug) => system === "ai-calling";

  async function signPair(subject: TokenSubject, reason: IssuedSession["reason"]): Promise<IssuedSession> {
    const now = clock();
    const access = await signToken("access", accessKeys, subject, { ttlSeconds: accessTtlSeconds, now });
    const refresh = await signToken("refresh", refreshKeys, subject, { ttlSeconds: refreshTtlSeconds, now });
    return {
      ...subject, reason, accessToken: access.token, refreshToken: refresh.token, expiresIn: accessTtlSeconds,
      accessTokenId: access.tokenId, refreshTokenId: refresh.tokenId, accessExpiresAt: access.expiresAt, refreshExpiresAt: refresh.expiresAt,
    };
  }

  async function revoke(claims: TokenClaims, reason: "logout" | "reuse", store?: SessionStore): Promise<void> {
    const { system, userId, familyId } = claims;
    await revokeFamily(redis, {
      system, familyId, denyMs: accessTtlSeconds * 1000,
      userTokenOf: cachesUserToken(system) ? userId : undefined,
      belongsToFamily: (token) => familyOf(token) === familyId,
    });
    await store?.onRevoked?.({ system, userId, familyId, reason });
  }

  const answer = ({ accessToken, refreshToken, expiresIn }: Session): Session => ({ accessToken, refreshToken, expiresIn });

  return {
    /** Starts a session (a new refresh family) for a user who has just proved who they are. */
    async issueSession({ system, userId, role }: { system: SystemSlug; userId: string | ObjectId; role: string }, { store }: { store?: SessionStore } = {}): Promise<Session> {
      const session = await signPair({ system, userId: userIdHex(userId), role, familyId: randomId() }, "login");
      await startFamily(redis, {
        system, familyId: session.familyId, tokenId: session.refreshTokenId, ttlMs: refreshTtlSeconds * 1000,
        userToken: cachesUserToken(system) ? { userId: session.userId, token: session.refreshToken } : undefined,
      });
      await store?.onIssued?.(session);
      return answer(session);
    },

    /** Trades the family's current refresh token for a new pair; an older one revokes the family. */
    async refreshSession(refreshToken: string, system: SystemSlug, { store, reauthorize }: RefreshOptions = {}): Promise<Session> {
      const claims = await verifyToken("refresh", refreshKeys, refreshToken, system, clock());
      const role = (await reauthorize?.(claims))?.role ?? claims.role;
      const session = await signPair({ system, userId: claims.userId, role, familyId: claims.familyId }, "refresh");
      const outcome = await rotateFamily(redis, {
        system, familyId: claims.familyId, presentedId: claims.tokenId, nextId: session.refreshTokenId, ttlMs: refreshTtlSeconds * 1000,
        userToken: cachesUserToken(system) ? { userId: claims.userId, token: session.refreshToken } : undefined,
      });
      if (outcome === "reused") {
        log.warn("auth: refresh token reused; the whole session is revoked", { system, userId: claims.userId, familyId: claims.familyId });
        await revoke(claims, "reuse", store);
      }
      if (outcome !== "rotated") throw new UnauthorizedError(INVALID_TOKEN_MESSAGE);
      await store?.onIssued?.(session);
      return answer(session);
    },

    /** Logout: revokes the token's whole family, its access tokens included. Idempotent. */
    async revokeSession(refreshToken: string, system: SystemSlug, { store }: { store?: SessionStore } = {}): Promise<void> {
      const claims = await verifyToken("refresh", refreshKeys, refreshToken, system, clock());
      await revoke(claims, "logout", store);
    },

    /**
     * The caller behind a bearer token, or `UnauthorizedError`; one Redis read (the denylist).
     * With Redis unreachable, `whenRedisDown: "open"` (reads) accepts a token whose signature,
     * audience and expiry check out, for at most its 15 minutes; `"closed"` (writes) answers 503.
     */
    async verifyAccessToken(accessToken: string, system: SystemSlug, { whenRedisDown = "closed" }: { whenRedisDown?: "open" | "closed" } = {}): Promise<AccessIdentity> {
      const claims = await verifyToken("access", accessKeys, accessToken, system, clock());
      let revoked: boolean;
      try {
        revoked = await isFamilyRevoked(redis, system, claims.familyId);
      } catch (error) {
        const fields = { system, userId: claims.userId, error };
        if (whenRedisDown === "closed") {
          log.warn("auth: Redis unreachable, refusing the request (revocations cannot be checked; failing closed)", fields);
          throw error;
        }
        log.warn("auth: Redis unreachable, accepting a valid access token unchecked against revocations (failing open)", fields);
        revoked = false;
      }
      if (revoked) throw new UnauthorizedError(INVALID_TOKEN_MESSAGE);
      return claims;
    },
  };
}

/** Tokens name users by ObjectId hex; anything else is our own bug, caught before a token exists. */
function userIdHex(userId: string | ObjectId): string {
  const hex = String(userId).toLowerCase();
  if (!/^[0-9a-f]{24}$/.test(hex)) throw new InternalError("issueSession needs the user's ObjectId");
  return hex;
}

function familyOf(token: string): unknown {
  try {
    return decodeJwt(token).fam;
  } catch {
    return undefined;
  }
}

let shared: TokenService | undefined;

/** The container's token service: secrets from configuration, the container's Redis. */
export function tokenService(): TokenService {
  if (!shared) {
    const { accessSecret, refreshSecret, previousSecrets } = config("jwt");
    shared = createTokenService({ accessSecrets: [accessSecret, ...previousSecrets], refreshSecrets: [refreshSecret, ...previousSecrets], redis: containerRedis() });
  }
  return shared;
}

export const issueSession: TokenService["issueSession"] = (input, options) => tokenService().issueSession(input, options);
export const refreshSession: TokenService["refreshSession"] = (token, system, options) => tokenService().refreshSession(token, system, options);
export const revokeSession: TokenService["revokeSession"] = (token, system, options) => tokenService().revokeSession(token, system, options);
export const verifyAccessToken: TokenService["verifyAccessToken"] = (token, system, options) => tokenService().verifyAccessToken(token, system, options);

/**
 * The repository `Caller` of a verified token.
 * @example
 * const agents = openRepository(Agents.definition, { caller: toCaller(await verifyAccessToken(bearer, "ai-calling")) });
 */
export function toCaller({ userId, role }: AccessIdentity): Caller {
  return { userId: ObjectId.createFromHexString(userId), role };
}

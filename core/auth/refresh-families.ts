/**
 * Session state in Redis. A login starts a refresh-token family; Redis holds the family's one
 * current refresh `jti`, and each refresh swaps it for the next in one Lua script (compare and
 * swap), so two refreshes with the same token cannot both succeed. Revoking a family deletes it
 * and puts its id on a short denylist that access tokens are checked against until the last one
 * the family issued has expired.
 *
 *   auth:refresh:{system}:{familyId}  current refresh jti      TTL = refresh token lifetime
 *   auth:revoked:{system}:{familyId}  "1"                      TTL = access token lifetime
 *   user:token:{userId}               AI Calling's token cache  TTL = 7 days (its document)
 *
 * Every Redis failure becomes `UnavailableError` (503): logins, refreshes and logouts fail closed.
 * `isFamilyRevoked` throws it too, and its caller decides whether a read may go on without it.
 */
import type { Redis } from "@upstash/redis";
import { UnavailableError } from "../errors.ts";
import { log } from "../log.ts";
import type { SystemSlug } from "../systems.ts";

export const familyKey = (system: SystemSlug, familyId: string): string => `auth:refresh:${system}:${familyId}`;
export const revokedKey = (system: SystemSlug, familyId: string): string => `auth:revoked:${system}:${familyId}`;
/** AI Calling's "User Token Cache": the user's current token, kept 7 days. */
export const userTokenKey = (userId: string): string => `user:token:${userId}`;
export const USER_TOKEN_TTL_SECONDS = 604_800;

/** A value to cache under `user:token:{userId}` along with the family change (AI Calling only). */
export interface UserTokenWrite {
  userId: string;
  token: string;
}

export type RotateOutcome = "rotated" | "unknown" | "reused";

/** KEYS: family[, user token]. ARGV: presented jti, next jti, family ttl ms[, token, token ttl s]. */
const ROTATE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if current ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5]) end
return 1`;

/** KEYS: family, revoked[, user token]. ARGV: denylist ttl ms[, the user token value to remove]. */
const REVOKE = `
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
if KEYS[3] and redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return 1`;

export async function startFamily(
  redis: Redis,
  { system, familyId, tokenId, ttlMs, userToken }: { system: SystemSlug; familyId: string; tokenId: string; ttlMs: number; userToken?: UserTokenWrite },
): Promise<void> {
  await withRedis("start a session", async () => {
    const tx = redis.multi().set(familyKey(system, familyId), tokenId, { px: ttlMs });
    if (userToken) tx.set(userTokenKey(userToken.userId), userToken.token, { ex: USER_TOKEN_TTL_SECONDS });
    await tx.exec();
  });
}

export async function rotateFamily(
  redis: Redis,
  { system, familyId, presentedId, nextId, ttlMs, userToken }:
    { system: SystemSlug; familyId: string; presentedId: string; nextId: string; ttlMs: number; userToken?: UserTokenWrite },
): Promise<RotateOutcome> {
  const keys = [familyKey(system, familyId), ...(userToken ? [userTokenKey(userToken.userId)] : [])];
  const args = [presentedId, nextId, String(ttlMs), ...(userToken ? [userToken.token, String(USER_TOKEN_TTL_SECONDS)] : [])];
  const result = await withRedis("refresh a session", () => redis.eval<string[], number>(ROTATE, keys, args));
  return result === 1 ? "rotated" : result === -1 ? "reused" : "unknown";
}

/**
 * Deletes a family and denylists it for `denyMs`. For AI Calling (`userTokenOf` given), also
 * removes `user:token:{userId}` when it still holds a token of this family (`belongsToFamily`),
 * so revoking one device's session leaves another device's cached token alone.
 */
export async function revokeFamily(
  redis: Redis,
  { system, familyId, denyMs, userTokenOf, belongsToFamily }:
    { system: SystemSlug; familyId: string; denyMs: number; userTokenOf?: string; belongsToFamily?: (token: string) => boolean },
): Promise<void> {
  await withRedis("revoke a session", async () => {
    const keys = [familyKey(system, familyId), revokedKey(system, familyId)];
    const args = [String(denyMs)];
    if (userTokenOf !== undefined) {
      const cached = await redis.get<string>(userTokenKey(userTokenOf));
      if (typeof cached === "string" && belongsToFamily?.(cached)) {
        keys.push(userTokenKey(userTokenOf));
        args.push(cached);
      }
    }
    await redis.eval(REVOKE, keys, args);
  });
}

export async function isFamilyRevoked(redis: Redis, system: SystemSlug, familyId: string): Promise<boolean> {
  try {
    return (await redis.exists(revokedKey(system, familyId))) === 1;
  } catch (error) {
    throw new UnavailableError("Sessions are temporarily unavailable", 5, { cause: error });
  }
}

async function withRedis<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    log.warn("auth: Redis unreachable, refusing the request (sessions fail closed)", { action, error });
    throw new UnavailableError("Sessions are temporarily unavailable", 5, { cause: error });
  }
}

/**
 * Who is calling: a route whose policy asks for a user reads `Authorization: Bearer <access
 * token>`, verifies it for the route's system (a token of another system is refused like a
 * forged one), checks the role, and puts the caller on the event for the handler and the
 * repositories' owner scope. An API-key route (DelAuto integrations) reads `X-API-Key`, checks
 * the route's permission, counts the use and applies the key's own rate limit. Public routes
 * pass through untouched.
 */
import type { MiddlewareObj } from "@middy/core";
import { ObjectId } from "mongodb";
import { verifyAccessToken } from "../../auth/tokens.ts";
import { consume, RateLimitUnavailableError } from "../../cache/rate-limit.ts";
import { ForbiddenError, RateLimitedError, UnauthorizedError, UnavailableError } from "../../errors.ts";
import type { SystemSlug } from "../../systems.ts";
import { header, type HttpRequest } from "../event.ts";
import type { AuthPolicy } from "../route.ts";

export interface AuthenticatedCaller {
  /** The user; for an API key, the key's own id (it owns nothing). */
  userId: ObjectId;
  /** The user's role, or `apiKey`. */
  role: string;
  system: SystemSlug;
  /** The access token's `jti`, or the API key's id. */
  tokenId: string;
  apiKeyId?: string;
  permissions?: string[];
}

const READS = new Set(["GET", "HEAD"]);

export function authenticate({ system, policy }: { system: SystemSlug | undefined; policy: AuthPolicy }): MiddlewareObj {
  if (policy.kind === "public") return { before: () => undefined } as MiddlewareObj;
  if (!system) throw new TypeError("authenticate: a protected route must live under /{system}");

  const asUser = async (request: HttpRequest, roles?: string[]) => {
    const token = bearerToken(header(request.event, "authorization"));
    // Reads go on without the revocation check when Redis is down; writes wait for it.
    const whenRedisDown = (policy.kind === "user" && policy.whenRedisDown) || (READS.has(request.event.requestContext.http.method) ? "open" : "closed");
    const claims = await verifyAccessToken(token, system, { whenRedisDown });
    if (roles && !roles.includes(claims.role)) throw new ForbiddenError("Your role may not do this");
    request.event.caller = { userId: ObjectId.createFromHexString(claims.userId), role: claims.role, system, tokenId: claims.tokenId };
  };

  const asApiKey = async (request: HttpRequest, key: string, permission: string) => {
    // Loaded on first use: only DelAuto's integration routes take keys, and every other function
    // would otherwise load the apikeys definition and repository at cold start.
    const { apiKeyRateLimit, hasPermission, recordApiKeyUse, verifyApiKey } = await import("../../auth/api-keys.ts");
    const verified = await verifyApiKey(key);
    if (!hasPermission(verified.permissions, permission)) throw new ForbiddenError(`This API key lacks the ${permission} permission`);
    const limit = await consume(apiKeyRateLimit(verified)).catch((error: unknown) => {
      throw error instanceof RateLimitUnavailableError ? new UnavailableError("API-key limits are unavailable, retry shortly", 5, { cause: error }) : error;
    });
    if (!limit.allowed) throw new RateLimitedError(limit.resetSeconds, "This API key's rate limit is used up");
    void recordApiKeyUse(verified.apiKeyId);
    request.event.caller = { userId: ObjectId.createFromHexString(verified.apiKeyId), role: "apiKey", system, tokenId: verified.apiKeyId, apiKeyId: verified.apiKeyId, permissions: verified.permissions };
  };

  const before = async (request: HttpRequest) => {
    if (policy.kind === "user") return asUser(request, policy.roles);
    const key = header(request.event, "x-api-key");
    if (key) return asApiKey(request, key, policy.permission);
    if (policy.users && header(request.event, "authorization")) return asUser(request);
    throw new UnauthorizedError("An X-API-Key header is required", { headers: { "WWW-Authenticate": "ApiKey" } });
  };

  return { before } as MiddlewareObj;
}

function bearerToken(value: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? "");
  if (!match) throw new UnauthorizedError("A Bearer access token is required");
  return match[1];
}

/**
 * Who is calling: a route whose policy asks for a user reads `Authorization: Bearer <access
 * token>`, verifies it for the route's system (a token of another system is refused like a
 * forged one), checks the role, and puts the caller on the event for the handler and the
 * repositories' owner scope. Public routes pass through untouched.
 */
import type { MiddlewareObj } from "@middy/core";
import { ObjectId } from "mongodb";
import { verifyAccessToken } from "../../auth/tokens.ts";
import { ForbiddenError, UnauthorizedError } from "../../errors.ts";
import type { SystemSlug } from "../../systems.ts";
import { header, type HttpRequest } from "../event.ts";
import type { AuthPolicy } from "../route.ts";

export interface AuthenticatedCaller {
  userId: ObjectId;
  role: string;
  system: SystemSlug;
  /** The access token's `jti`. */
  tokenId: string;
}

export function authenticate({ system, policy }: { system: SystemSlug | undefined; policy: AuthPolicy }): MiddlewareObj {
  if (policy.kind === "public") return { before: () => undefined } as MiddlewareObj;
  if (!system) throw new TypeError("authenticate: a protected route must live under /{system}");
  if (policy.kind === "apiKey") throw new TypeError("authenticate: API-key routes need the DelAuto API-key verifier, which is not part of this build yet");

  const before = async (request: HttpRequest) => {
    const token = bearerToken(header(request.event, "authorization"));
    const claims = await verifyAccessToken(token, system);
    if (policy.roles && !policy.roles.includes(claims.role)) throw new ForbiddenError("Your role may not do this");
    request.event.caller = { userId: ObjectId.createFromHexString(claims.userId), role: claims.role, system, tokenId: claims.tokenId };
  };

  return { before } as MiddlewareObj;
}

function bearerToken(value: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? "");
  if (!match) throw new UnauthorizedError("A Bearer access token is required");
  return match[1];
}

/**
 * The two JWTs of a session, signed and checked with jose (HS256), without any state: access
 * tokens (`typ: at+jwt`, 15 minutes) and refresh tokens (`typ: rt+jwt`, 30 days). The audience is
 * the system slug, so a token of one system is refused by every other; the `typ` header keeps the
 * two kinds apart even where their secrets coincide. Session state (rotation, revocation) lives
 * in `tokens.ts`.
 *
 * @example
 * const access = await signToken("access", keys, { system: "delauto", userId, role: "agent", familyId });
 * const claims = await verifyToken("access", keys, access.token, "delauto"); // or UnauthorizedError
 */
import { randomBytes } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import * as z from "zod";
import { UnauthorizedError } from "../errors.ts";
import { log } from "../log.ts";
import type { SystemSlug } from "../systems.ts";
import type { Keyring } from "./keyring.ts";

export const TOKEN_ISSUER = "serverless-data-platform";
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

export type TokenKind = "access" | "refresh";

const TYPES = { access: "at+jwt", refresh: "rt+jwt" } as const satisfies Record<TokenKind, string>;

/** What every token of a session says about its holder. */
export interface TokenSubject {
  system: SystemSlug;
  /** The user's (DelAuto: the agent's) ObjectId as 24 hex digits. */
  userId: string;
  role: string;
  /** The session (refresh family) the token belongs to. */
  familyId: string;
}

export interface TokenClaims extends TokenSubject {
  /** The token's `jti`. */
  tokenId: string;
  expiresAt: Date;
}

export interface SignedToken {
  token: string;
  tokenId: string;
  expiresAt: Date;
}

/** Refused tokens all get this message, so a caller never learns which check failed. */
export const INVALID_TOKEN_MESSAGE = "invalid or expired token";

const Claims = z.object({
  sub: z.string().regex(/^[0-9a-f]{24}$/),
  role: z.string().min(1),
  jti: z.string().min(1),
  fam: z.string().min(1),
  exp: z.number(),
});

/** A random id for `jti` and family ids: 128 bits, URL-safe. */
export const randomId = (): string => randomBytes(16).toString("base64url");

/**
 * Signs a token of `kind` for `subject`, valid `ttlSeconds` from `now`.
 * @example
 * const { token, tokenId, expiresAt } = await signToken("refresh", keys, subject, { ttlSeconds: REFRESH_TOKEN_TTL_SECONDS });
 */
export async function signToken(
  kind: TokenKind,
  keys: Keyring,
  subject: TokenSubject,
  { ttlSeconds, now = new Date(), tokenId = randomId() }: { ttlSeconds: number; now?: Date; tokenId?: string },
): Promise<SignedToken> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((issuedAt + ttlSeconds) * 1000);
  const token = await new SignJWT({ role: subject.role, fam: subject.familyId })
    .setProtectedHeader({ alg: "HS256", typ: TYPES[kind], kid: keys.signing.kid })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(subject.system)
    .setSubject(subject.userId)
    .setJti(tokenId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keys.signing.key);
  return { token, tokenId, expiresAt };
}

/**
 * Checks a token's signature (by its `kid`), type, issuer, audience and lifetime, and reads its
 * claims. Anything wrong throws `UnauthorizedError("invalid or expired token")`; the reason is
 * logged at debug level only.
 * @example
 * const claims = await verifyToken("refresh", keys, body.refreshToken, "ai-calling");
 */
export async function verifyToken(kind: TokenKind, keys: Keyring, token: string, system: SystemSlug, now = new Date()): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, (header) => keyFor(keys, header.kid), {
      algorithms: ["HS256"],
      typ: TYPES[kind],
      issuer: TOKEN_ISSUER,
      audience: system,
      requiredClaims: ["sub", "jti", "exp", "iat"],
      currentDate: now,
    });
    const claims = Claims.parse(payload);
    return { system, userId: claims.sub, role: claims.role, familyId: claims.fam, tokenId: claims.jti, expiresAt: new Date(claims.exp * 1000) };
  } catch (error) {
    log.debug("token refused", { kind, system, reason: (error as { code?: string }).code ?? (error as Error).name });
    throw new UnauthorizedError(INVALID_TOKEN_MESSAGE, { cause: error });
  }
}

function keyFor(keys: Keyring, kid: string | undefined): Uint8Array {
  const found = keys.find(kid);
  if (!found) throw Object.assign(new Error("unknown key id"), { code: "ERR_UNKNOWN_KID" });
  return found.key;
}

/**
 * Exotel signs nothing, so the URLs we give it carry secrets (PROVIDERS.md §2.4): each outbound
 * call's StatusCallback URL holds an HMAC of its own session id, so a leaked URL is good for that
 * call only; an account's Passthru URL (pasted into an Exotel flow by its owner) holds an HMAC of
 * the account id. Both are derived from `EXOTEL_CALLBACK_SECRET` (nothing to store) and compared
 * in constant time.
 *
 * @example
 * const url = statusCallbackUrl(sessionId);   // https://api…/ai-calling/webhooks/exotel/status?sessionId=…&token=…
 * if (!isCallToken(sessionId, query.token)) throw new ForbiddenError();
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { config } from "../config/index.ts";
import { InternalError } from "../errors.ts";

export const STATUS_CALLBACK_PATH = "/ai-calling/webhooks/exotel/status";
export const PASSTHRU_PATH = "/ai-calling/webhooks/exotel/passthru";

const tokenFor = (purpose: "call" | "account", subject: string): string =>
  createHmac("sha256", config("exotel").callbackSecret).update(`${purpose}:${subject}`).digest("base64url");

function matches(expected: string, given: string | undefined): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const isCallToken = (sessionId: string, token: string | undefined): boolean => matches(tokenFor("call", sessionId), token);
export const isAccountToken = (userId: string, token: string | undefined): boolean => matches(tokenFor("account", userId), token);

function publicBaseUrl(): string {
  const base = config("server").publicBaseUrl;
  if (!base) throw new InternalError("PUBLIC_BASE_URL is not set: Exotel would have no URL to call back");
  return base.replace(/\/+$/, "");
}

/** Where Exotel reports one call's status. */
export function statusCallbackUrl(sessionId: string): string {
  const query = new URLSearchParams({ sessionId, token: tokenFor("call", sessionId) });
  return `${publicBaseUrl()}${STATUS_CALLBACK_PATH}?${query}`;
}

/** The Passthru URL an account's owner puts in their Exotel flow for inbound calls. */
export function passthruUrl(userId: string): string {
  const query = new URLSearchParams({ account: userId, token: tokenFor("account", userId) });
  return `${publicBaseUrl()}${PASSTHRU_PATH}?${query}`;
}

/**
 * JSON bodies under API.md's rules: at most 1 MiB (413), sent as `application/json` (415),
 * well-formed (400), on every route; a route without a body schema then ignores the body.
 * A route that takes forms (provider webhooks) also accepts `application/x-www-form-urlencoded`,
 * read into an object of strings (a repeated field keeps its last value).
 */
import type { MiddlewareObj } from "@middy/core";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../../errors.ts";
import { header, type HttpRequest } from "../event.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;
const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

export function jsonBody({ maxBytes = MAX_BODY_BYTES, formats = ["json"] }: { maxBytes?: number; formats?: ("json" | "form")[] } = {}): MiddlewareObj {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new TypeError("jsonBody: maxBytes must be a positive integer");

  const before = (request: HttpRequest) => {
    const { event } = request;
    if (event.body === undefined || event.body === null || event.body === "") return;
    const bytes = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
    if (bytes.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);
    const contentType = header(event, "content-type") ?? "";
    if (formats.includes("form") && FORM_MEDIA_TYPE.test(contentType)) {
      event.jsonBody = Object.fromEntries(new URLSearchParams(bytes.toString("utf8")));
      return;
    }
    if (!JSON_MEDIA_TYPE.test(contentType)) throw new UnsupportedMediaTypeError(formats.includes("form") ? "application/json or application/x-www-form-urlencoded" : undefined);
    try {
      event.jsonBody = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new BadRequestError("The request body is not valid JSON", { cause: error });
    }
  };

  return { before } as MiddlewareObj;
}

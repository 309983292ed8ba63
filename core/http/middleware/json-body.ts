/**
 * JSON bodies under API.md's rules: at most 1 MiB (413), sent as `application/json` (415),
 * well-formed (400), on every route; a route without a body schema then ignores the body.
 */
import type { MiddlewareObj } from "@middy/core";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../../errors.ts";
import { header, type HttpRequest } from "../event.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

export function jsonBody({ maxBytes = MAX_BODY_BYTES }: { maxBytes?: number } = {}): MiddlewareObj {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new TypeError("jsonBody: maxBytes must be a positive integer");

  const before = (request: HttpRequest) => {
    const { event } = request;
    if (event.body === undefined || event.body === null || event.body === "") return;
    const bytes = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
    if (bytes.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);
    if (!JSON_MEDIA_TYPE.test(header(event, "content-type") ?? "")) throw new UnsupportedMediaTypeError();
    try {
      event.jsonBody = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      throw new BadRequestError("The request body is not valid JSON", { cause: error });
    }
  };

  return { before } as MiddlewareObj;
}

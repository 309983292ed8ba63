/**
 * Checks path parameters, query string and body against the route's zod schemas. Every offending
 * field becomes one `details` entry with its dotted path, in a single 400 VALIDATION_FAILED.
 */
import type { MiddlewareObj } from "@middy/core";
import type { z } from "zod";
import { ValidationError, type ErrorDetail } from "../../errors.ts";
import type { HttpRequest } from "../event.ts";
import type { RequestSchemas } from "../route.ts";

export function validateInput(schemas: RequestSchemas): MiddlewareObj {
  const before = (request: HttpRequest) => {
    const { event } = request;
    const details: ErrorDetail[] = [];
    const check = (schema: z.ZodType | undefined, value: unknown, prefix: string): unknown => {
      if (!schema) return value;
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      for (const issue of result.error.issues) details.push(...detailsOf(issue, prefix));
      return undefined;
    };
    const params = check(schemas.params, event.pathParameters ?? {}, "");
    const query = check(schemas.query, event.queryStringParameters ?? {}, "");
    const body = check(schemas.body, event.jsonBody, "");
    if (details.length) throw new ValidationError(details);
    event.input = { params, query, body };
  };

  return { before } as MiddlewareObj;
}

/** One detail per offending field: zod reports all unknown keys of an object in one issue. */
function detailsOf(issue: z.core.$ZodIssue, prefix: string): ErrorDetail[] {
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: [path, key].filter(Boolean).join("."), message: "is not allowed here" }));
  }
  return [{ path, message: issue.message }];
}

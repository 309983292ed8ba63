/**
 * CORS, decided in one place from `CORS_ORIGINS`: the options of `@middy/http-cors`, used by
 * every endpoint's pipeline and by the local server's preflight answers (API Gateway answers
 * preflights itself in AWS, configured from the same setting by `stacks/`).
 */
import type { Options as CorsOptions } from "@middy/http-cors";
import { config } from "../config/index.ts";

export const CORS_ALLOWED_HEADERS = ["authorization", "content-type", "x-api-key", "x-request-id"];
export const CORS_EXPOSED_HEADERS = ["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"];

export function corsOptions(): CorsOptions {
  const { corsOrigins } = config("server");
  return {
    origins: corsOrigins,
    headers: CORS_ALLOWED_HEADERS.join(","),
    exposeHeaders: CORS_EXPOSED_HEADERS.join(","),
    methods: "GET,POST,PUT,PATCH,DELETE,OPTIONS",
    maxAge: 600,
    // A credentialed request needs its own origin echoed, never `*`.
    credentials: !corsOrigins.includes("*"),
  };
}

import * as Auth from "#core/automedia/auth.ts";
import { http } from "#core/http/pipeline.ts";
import { register } from "../routes.ts";

export const handler = http(register, async ({ body, event }) =>
  Auth.register(body, { ip: event.requestContext.http.sourceIp, userAgent: event.requestContext.http.userAgent }));

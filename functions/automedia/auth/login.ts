import * as Auth from "#core/automedia/auth.ts";
import { http } from "#core/http/pipeline.ts";
import { login } from "../routes.ts";

export const handler = http(login, async ({ body, event }) =>
  Auth.login(body, { ip: event.requestContext.http.sourceIp, userAgent: event.requestContext.http.userAgent }));

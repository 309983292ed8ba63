import * as Auth from "#core/automedia/auth.ts";
import { http } from "#core/http/pipeline.ts";
import { refresh } from "../routes.ts";

export const handler = http(refresh, async ({ body, event }) =>
  Auth.refresh(body.refreshToken, { ip: event.requestContext.http.sourceIp, userAgent: event.requestContext.http.userAgent }));

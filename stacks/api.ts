/**
 * The HTTP API: one API Gateway HTTP API and, for each route manifest entry, one route with its
 * own Lambda (`functionArgs`: class, links and environment from what the handler reads). CORS
 * comes from CORS_ORIGINS with the headers the handlers' own CORS middleware uses. Auth is not
 * configured at the gateway: each handler's pipeline applies the route's auth policy.
 */
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from "#core/http/cors.ts";
import { routeKey, type RouteDefinition } from "#core/http/route.ts";
import { routes as manifestRoutes } from "../functions/routes.ts";
import { functionArgs, type FunctionClass, type FunctionContext } from "./functions.ts";

export type DeployedRoute = Pick<RouteDefinition, "method" | "path" | "handler" | "summary">;

/** Routes that wait on a provider's API before they answer. */
const PROVIDER_CALLS = new Set(["POST /ai-calling/calls"]);

export function routeClass(route: DeployedRoute): FunctionClass {
  if (route.path.split("/").includes("webhooks")) return "webhook";
  if (/\/auth\/(register|login)$/.test(route.path)) return "password";
  if (PROVIDER_CALLS.has(routeKey(route))) return "provider";
  return "standard";
}

export interface ApiStack {
  api: sst.aws.ApiGatewayV2;
  /** The URL of each webhook route, to give Twilio, Exotel and Meta (printed by `sst deploy`). */
  webhooks: Record<string, $util.Output<string>>;
}

export function createApi({ context, corsOrigins, routes = manifestRoutes }: { context: FunctionContext; corsOrigins: string[]; routes?: DeployedRoute[] }): ApiStack {
  const api = new sst.aws.ApiGatewayV2("Api", {
    cors: {
      allowOrigins: corsOrigins,
      allowMethods: [...new Set(routes.map((route) => route.method)), "OPTIONS"],
      allowHeaders: CORS_ALLOWED_HEADERS,
      exposeHeaders: CORS_EXPOSED_HEADERS,
      // A credentialed request needs its origin echoed, which `*` cannot be (as core/http/cors.ts).
      allowCredentials: !corsOrigins.includes("*"),
      maxAge: "600 seconds",
    },
  });
  // Providers call back on PUBLIC_BASE_URL, so each route function gets the API's own URL. This
  // is not a dependency cycle: `api.url` is the HTTP API resource's endpoint (or the custom
  // domain's), created before any route; the route's integration and the route itself depend on
  // the function, never the API on them. (SST's `Function.addEnvironment` exists for values known
  // only after a function exists, like its own function URL; the API's URL is known before.)
  const routeContext: FunctionContext = { ...context, publicBaseUrl: api.url };
  for (const route of routes) {
    api.route(routeKey(route), functionArgs(route.handler, routeClass(route), routeContext, `${routeKey(route)}: ${route.summary}`));
  }
  const webhooks = Object.fromEntries(
    routes.filter((route) => routeClass(route) === "webhook").map((route) => [`webhook ${routeKey(route)}`, $interpolate`${api.url}${route.path}`]),
  );
  return { api, webhooks };
}

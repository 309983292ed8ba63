/** The platform's OpenAPI document for a set of routes, built once per container. */
import { buildOpenApi } from "./openapi.ts";
import type { RouteDefinition } from "./route.ts";

const built = new WeakMap<RouteDefinition[], Record<string, unknown>>();

export function apiDocument(routes: RouteDefinition[]): Record<string, unknown> {
  if (!built.has(routes)) {
    built.set(routes, buildOpenApi(routes, {
      title: "Serverless Data Platform",
      version: "0.1.0",
      description: "Five MongoDB data systems behind one API: car-sales, delauto, sales-automation, automedia and ai-calling.",
    }));
  }
  return built.get(routes)!;
}

/**
 * The platform's OpenAPI document for a set of routes, with every registered collection's
 * output, create and update schemas as named components. Built once per container.
 */
import { openApiComponentsOf } from "../db/collection.ts";
import { allCollections } from "../db/registry.ts";
import { buildOpenApi } from "./openapi.ts";
import type { RouteDefinition } from "./route.ts";

const built = new WeakMap<RouteDefinition[], Record<string, unknown>>();

export function apiDocument(routes: RouteDefinition[]): Record<string, unknown> {
  if (!built.has(routes)) {
    const components = Object.assign({}, ...allCollections().map(openApiComponentsOf));
    built.set(routes, buildOpenApi(routes, {
      title: "Serverless Data Platform",
      version: "0.1.0",
      description: "Five MongoDB data systems behind one API: car-sales, delauto, sales-automation, automedia and ai-calling.",
    }, components));
  }
  return built.get(routes)!;
}

/**
 * Routes of the platform itself (not of a system): liveness and the API's own description.
 */
import * as z from "zod";
import { defineRoute } from "#core/http/route.ts";

export const getHealth = defineRoute({
  method: "GET",
  path: "/health",
  handler: "functions/platform/health.handler",
  summary: "Liveness",
  tag: "platform",
  auth: { kind: "public" },
  request: {},
  response: { status: 200, description: "The platform is up", schema: z.object({ status: z.literal("ok") }) },
});

export const getOpenApi = defineRoute({
  method: "GET",
  path: "/openapi.json",
  handler: "functions/platform/openapi.handler",
  summary: "The OpenAPI 3.1 document of every route",
  tag: "platform",
  auth: { kind: "public" },
  request: {},
  response: { status: 200, description: "OpenAPI 3.1 document" },
});

export const getDocs = defineRoute({
  method: "GET",
  path: "/docs",
  handler: "functions/platform/docs.handler",
  summary: "Human-readable API documentation",
  tag: "platform",
  auth: { kind: "public" },
  request: {},
  response: { status: 200, description: "HTML page", contentType: "text/html" },
});

export const platformRoutes = [getHealth, getOpenApi, getDocs];

/**
 * The OpenAPI 3.1 document, generated from the route manifests and their zod schemas (zod's own
 * JSON Schema output is draft 2020-12, the dialect OpenAPI 3.1 uses). Nothing here is written
 * by hand per route, so the document cannot drift from what the endpoints enforce.
 */
import * as z from "zod";
import type { RouteDefinition } from "./route.ts";

type JsonSchema = Record<string, unknown>;

const ERROR_STATUSES: Record<string, string> = {
  400: "Invalid input (VALIDATION_FAILED with details, or BAD_REQUEST)",
  401: "Missing or invalid credentials",
  403: "Not allowed",
  404: "Not found, or not visible to the caller",
  409: "A unique value is already taken",
  413: "Body larger than 1 MiB",
  415: "Body not sent as application/json",
  423: "Account locked",
  429: "Rate limited (see Retry-After)",
  500: "Internal error",
  503: "A dependency is unavailable (see Retry-After)",
};

const ERROR_SCHEMA: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "requestId"],
      properties: {
        code: { type: "string", enum: ["VALIDATION_FAILED", "BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "LOCKED", "RATE_LIMITED", "INTERNAL", "UNAVAILABLE"] },
        message: { type: "string" },
        details: { type: "array", items: { type: "object", required: ["path", "message"], properties: { path: { type: "string" }, message: { type: "string" } } } },
        requestId: { type: "string" },
      },
    },
  },
};

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  serverUrl?: string;
}

/** A named schema of `components.schemas`; routes using the same zod schema refer to it. */
export interface ComponentSchema {
  schema: z.ZodType;
  io: "input" | "output";
}

export function buildOpenApi(routes: RouteDefinition[], info: OpenApiInfo, components: Record<string, ComponentSchema> = {}): JsonSchema {
  const named = new Map(Object.entries(components).map(([name, { schema }]) => [schema, name]));
  const schemaOf = (schema: z.ZodType, io: "input" | "output"): JsonSchema =>
    named.has(schema) ? { $ref: `#/components/schemas/${named.get(schema)}` } : toJsonSchema(schema, io);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operationOf(route, schemaOf);
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, ...(info.description && { description: info.description }) },
    ...(info.serverUrl && { servers: [{ url: info.serverUrl }] }),
    tags: [...new Set(routes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: {
        Error: ERROR_SCHEMA,
        ...Object.fromEntries(Object.entries(components).map(([name, { schema, io }]) => [name, toJsonSchema(schema, io)])),
      },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
    },
  };
}

type SchemaOf = (schema: z.ZodType, io: "input" | "output") => JsonSchema;

function operationOf(route: RouteDefinition, schemaOf: SchemaOf): Record<string, unknown> {
  const { request, response } = route;
  const parameters = [...parametersOf(request.params, "path"), ...parametersOf(request.query, "query")];
  const success = {
    description: response.description,
    ...(response.schema && { content: { [response.contentType ?? "application/json"]: { schema: schemaOf(response.schema, "output") } } }),
  };
  return {
    operationId: operationIdOf(route),
    summary: route.summary,
    tags: [route.tag],
    security: securityOf(route),
    ...(parameters.length && { parameters }),
    ...(request.body && { requestBody: { required: true, content: Object.fromEntries(bodyMediaTypes(request).map((type) => [type, { schema: schemaOf(request.body!, "input") }])) } }),
    responses: {
      [String(response.status)]: success,
      ...Object.fromEntries(errorStatusesOf(route).map((status) => [status, { description: ERROR_STATUSES[status], content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }])),
    },
  };
}

function securityOf(route: RouteDefinition): unknown[] {
  const { auth } = route;
  if (auth.kind === "public") return [];
  if (auth.kind === "user") return [{ bearer: [] }];
  return auth.users ? [{ apiKey: [] }, { bearer: [] }] : [{ apiKey: [] }];
}

function errorStatusesOf(route: RouteDefinition): string[] {
  const statuses = ["500", "503"];
  if (route.request.body) statuses.push("413", "415");
  if (route.request.body || route.request.query || route.request.params) statuses.push("400");
  if (route.request.params) statuses.push("404");
  if (route.auth.kind !== "public") statuses.push("401", "403", "429");
  return statuses.sort();
}

function parametersOf(schema: z.ZodType | undefined, location: "path" | "query"): unknown[] {
  if (!schema) return [];
  const json = toJsonSchema(schema, "input");
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || required.has(name),
    ...(typeof property.description === "string" && { description: property.description }),
    schema: property,
  }));
}

function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return json;
}

/** `GET /ai-calling/agents/{id}` -> `getAiCallingAgentsById`. */
function operationIdOf(route: RouteDefinition): string {
  const words = route.path.split("/").filter(Boolean).map((segment) => segment.startsWith("{") ? `by-${segment.slice(1, -1)}` : segment);
  const camel = words.join("-").split(/[-_.]/).filter(Boolean).map((word) => word[0].toUpperCase() + word.slice(1)).join("");
  return `${route.method.toLowerCase()}${camel}`;
}

function bodyMediaTypes(request: RouteDefinition["request"]): string[] {
  const formats = request.bodyFormats ?? ["json"];
  return [...(formats.includes("json") ? ["application/json"] : []), ...(formats.includes("form") ? ["application/x-www-form-urlencoded"] : [])];
}

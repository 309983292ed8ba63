/**
 * The manifest entries of a collection exposed as an API.md resource, the same for every system:
 *
 *   list    GET    /{system}/{resource}        200 { data, nextCursor }
 *   create  POST   /{system}/{resource}        201 the document (Idempotency-Key honoured)
 *   get     GET    /{system}/{resource}/{id}   200 the document
 *   update  PATCH  /{system}/{resource}/{id}   200 the document (merge patch)
 *   remove  DELETE /{system}/{resource}/{id}   204
 *
 * Handlers live in `functions/{system}/{resource}/{list,create,get,update,delete}.ts`. Inputs and
 * outputs default to the collection definition's (`listQuerySchema`, `createInput`,
 * `updateInput`, `output`); an operation left out is not declared. `{id}` takes any string: a
 * malformed id names no document, so the repository answers 404 as for someone else's.
 *
 * @example
 * export const { list: listPhones, create: createPhone, get: getPhone } = resourceRoutes({
 *   definition: phones, resource: "phones", noun: "phone", auth: { kind: "user" },
 *   operations: { list: {}, create: { summary: "Add a phone number" }, get: {} },
 * });
 */
import * as z from "zod";
import type { CollectionDefinition } from "../db/collection.ts";
import { listQuerySchema } from "../db/list-query.ts";
import { defineRoute, type AuthPolicy, type CachePolicy, type RouteDefinition } from "./route.ts";

const byId = z.strictObject({ id: z.string().min(1) });

interface Operation {
  summary?: string;
  /** Tags of cached reads a successful write makes stale. */
  invalidates?: string[];
}

export interface ResourceOperations {
  list?: Operation & { query?: z.ZodType; cache?: CachePolicy };
  create?: Operation & { body?: z.ZodType };
  get?: Operation;
  update?: Operation & { body?: z.ZodType };
  remove?: Operation;
}

export interface ResourceOptions<D extends CollectionDefinition, O extends ResourceOperations> {
  definition: D;
  /** The kebab-case plural of API.md (`call-logs`). */
  resource: string;
  /** One of them, for summaries (`call log`). */
  noun: string;
  auth: AuthPolicy;
  /** What answers show (default the definition's output). */
  output?: z.ZodType;
  operations: O;
}

type Id = typeof byId;
type Given<T, Fallback> = T extends z.ZodType ? T : Fallback;
type Routes<D extends CollectionDefinition, O extends ResourceOperations> = {
  list: RouteDefinition<{ query: Given<NonNullable<O["list"]>["query"], ReturnType<typeof listQuerySchema>> }>;
  create: RouteDefinition<{ body: Given<NonNullable<O["create"]>["body"], D["createInput"]> }>;
  get: RouteDefinition<{ params: Id }>;
  update: RouteDefinition<{ params: Id; body: Given<NonNullable<O["update"]>["body"], D["updateInput"]> }>;
  remove: RouteDefinition<{ params: Id }>;
};

/** The entries of the operations given, typed with their inputs for the handlers. */
export function resourceRoutes<D extends CollectionDefinition, const O extends ResourceOperations>(
  options: ResourceOptions<D, O>,
): Pick<Routes<D, O>, keyof O & keyof Routes<D, O>> {
  const { definition, resource, noun, auth, operations } = options;
  const system = definition.system;
  const output = options.output ?? definition.output;
  const base = { tag: system, auth };
  const entry = (file: string, path: string) => ({ path: `/${system}/${resource}${path}`, handler: `functions/${system}/${resource}/${file}.handler` });
  const writes = (operation: Operation) => (operation.invalidates?.length ? { invalidates: operation.invalidates } : {});
  const { list, create, get, update, remove } = operations;
  const routes: Partial<Record<keyof Routes<D, O>, RouteDefinition>> = {};

  if (list) routes.list = defineRoute({
    ...base, method: "GET", ...entry("list", ""),
    summary: list.summary ?? `List your ${noun}s`,
    ...(list.cache && { cache: list.cache }),
    request: { query: list.query ?? listQuerySchema(definition) },
    response: { status: 200, description: `A page of ${noun}s`, schema: z.object({ data: z.array(output), nextCursor: z.string().nullable() }) },
  });
  if (create) routes.create = defineRoute({
    ...base, method: "POST", ...entry("create", ""),
    summary: create.summary ?? `Create a ${noun}`,
    idempotent: true, ...writes(create),
    request: { body: create.body ?? definition.createInput },
    response: { status: 201, description: `The new ${noun}`, schema: output },
  });
  if (get) routes.get = defineRoute({
    ...base, method: "GET", ...entry("get", "/{id}"),
    summary: get.summary ?? `Read a ${noun}`,
    request: { params: byId },
    response: { status: 200, description: `The ${noun}`, schema: output },
  });
  if (update) routes.update = defineRoute({
    ...base, method: "PATCH", ...entry("update", "/{id}"),
    summary: update.summary ?? `Change a ${noun} (JSON merge patch, validated as a whole)`,
    ...writes(update),
    request: { params: byId, body: update.body ?? definition.updateInput },
    response: { status: 200, description: `The updated ${noun}`, schema: output },
  });
  if (remove) routes.remove = defineRoute({
    ...base, method: "DELETE", ...entry("delete", "/{id}"),
    summary: remove.summary ?? `Delete a ${noun}`,
    ...writes(remove),
    request: { params: byId },
    response: { status: 204, description: "Deleted" },
  });
  return routes as Pick<Routes<D, O>, keyof O & keyof Routes<D, O>>;
}

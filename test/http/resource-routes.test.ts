/**
 * `resourceRoutes`: API.md's five resource operations as manifest entries, only those asked for,
 * with the definition's schemas unless an operation names its own.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineCollection } from "#core/db/collection.ts";
import { resourceRoutes } from "#core/http/resource-routes.ts";

const widgets = defineCollection({
  system: "delauto",
  name: "widgets",
  fields: (t) => ({ _id: t.objectId(), name: z.string().min(1), createdAt: t.date(), updatedAt: t.date() }),
});

describe("resourceRoutes", () => {
  it("declares the operations given at API.md's paths, with handlers under functions/{system}/{resource}", () => {
    const routes = resourceRoutes({ definition: widgets, resource: "widgets", noun: "widget", auth: { kind: "user" }, operations: { list: {}, create: {}, get: {}, update: {}, remove: {} } });

    expect(Object.values(routes).map((route) => `${route.method} ${route.path} ${route.handler} ${route.response.status}`)).toEqual([
      "GET /delauto/widgets functions/delauto/widgets/list.handler 200",
      "POST /delauto/widgets functions/delauto/widgets/create.handler 201",
      "GET /delauto/widgets/{id} functions/delauto/widgets/get.handler 200",
      "PATCH /delauto/widgets/{id} functions/delauto/widgets/update.handler 200",
      "DELETE /delauto/widgets/{id} functions/delauto/widgets/delete.handler 204",
    ]);
    expect(routes.create.idempotent).toBe(true);
    expect(routes.create.request.body).toBe(widgets.createInput);
    expect(routes.update.request.body).toBe(widgets.updateInput);
  });

  it("leaves out what is not asked for and takes an operation's own schema, cache and invalidations", () => {
    const query = z.strictObject({ q: z.string().optional() });
    const body = z.strictObject({ name: z.string() });

    const routes = resourceRoutes({
      definition: widgets, resource: "widgets", noun: "widget", auth: { kind: "user", roles: ["admin"] },
      operations: { list: { query, cache: { route: "widgets:list", ttlSeconds: 60, covers: "widgets" } }, update: { body, invalidates: ["widgets"] } },
    });

    expect(Object.keys(routes)).toEqual(["list", "update"]);
    expect(routes.list.request.query).toBe(query);
    expect(routes.list.cache).toEqual({ route: "widgets:list", ttlSeconds: 60, covers: "widgets" });
    expect(routes.update.request.body).toBe(body);
    expect(routes.update.invalidates).toEqual(["widgets"]);
    expect(routes.update.auth).toEqual({ kind: "user", roles: ["admin"] });
  });
});

/**
 * The manifests and the handler files agree: every route, cron and deploy task names a handler
 * file that exports that function, every handler file is in a manifest, and the entries are well
 * formed.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { handlerReference, routeKey } from "#core/http/route.ts";
import { isSystemSlug } from "#core/systems.ts";
import { loadHandler, REPOSITORY_ROOT } from "#local/runtime/handlers.ts";
import { crons } from "../../functions/crons.ts";
import { deployTasks } from "../../functions/deploy-tasks.ts";
import { routes } from "../../functions/routes.ts";

// A system may split its manifest: `routes.ts` plus `<part>-routes.ts` files it spreads in.
const MANIFEST_FILES = /(^|\/)([a-z-]+-)?(routes|crons)\.ts$|^functions\/deploy-tasks\.ts$/;

function handlerFiles(directory = join(REPOSITORY_ROOT, "functions")): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return handlerFiles(path);
    const file = relative(REPOSITORY_ROOT, path);
    return entry.name.endsWith(".ts") && !MANIFEST_FILES.test(file) ? [file] : [];
  });
}

const manifestHandlers = [...routes, ...crons, ...deployTasks].map((entry) => entry.handler);

describe("route manifest", () => {
  it.each(routes.map((route) => [routeKey(route), route]))("%s resolves to an exported handler function", async (_key, route) => {
    const handler = await loadHandler(route.handler);

    expect(typeof handler).toBe("function");
  });

  it("declares each method and path once", () => {
    const keys = routes.map(routeKey);

    expect(new Set(keys).size).toBe(keys.length);
  });

  it("puts every route under /{system} except the platform's own", () => {
    const outside = routes.filter((route) => route.tag !== "platform" && !isSystemSlug(route.path.split("/")[1]));

    expect(outside.map(routeKey)).toEqual([]);
  });

  it("gives every path parameter a params schema", () => {
    const missing = routes.filter((route) => route.path.includes("{") && !route.request.params);

    expect(missing.map(routeKey)).toEqual([]);
  });
});

describe("cron manifest", () => {
  it.each(crons.map((job) => [job.name, job]))("%s resolves to an exported handler function", async (_name, job) => {
    expect(typeof (await loadHandler(job.handler))).toBe("function");
  });

  it("names each job once, in kebab-case, on a five-field schedule croner accepts", () => {
    const names = crons.map((job) => job.name);

    expect(new Set(names).size).toBe(names.length);
    for (const job of crons) {
      expect(job.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(job.schedule.trim().split(/\s+/)).toHaveLength(5);
      expect(() => new Cron(job.schedule, { timezone: "UTC", paused: true })).not.toThrow();
    }
  });
});

describe("deploy-task manifest", () => {
  it.each(deployTasks.map((task) => [task.name, task]))("%s resolves to an exported handler function", async (_name, task) => {
    expect(typeof (await loadHandler(task.handler))).toBe("function");
  });

  it("names each task once, in kebab-case, with a handler no route or cron uses", () => {
    const names = deployTasks.map((task) => task.name);
    const scheduledOrRouted = new Set([...routes, ...crons].map((entry) => entry.handler));

    expect(new Set(names).size).toBe(names.length);
    for (const task of deployTasks) {
      expect(task.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(scheduledOrRouted.has(task.handler)).toBe(false);
    }
  });
});

describe("handler files", () => {
  it("are each named by a manifest entry, with the export the entry names", () => {
    const named = new Set(manifestHandlers.map((handler) => handlerReference(handler).file));
    const unrouted = handlerFiles().filter((file) => !named.has(file));

    expect(unrouted).toEqual([]);
  });

  it("exist for every manifest entry", () => {
    const files = new Set(handlerFiles());
    const dangling = manifestHandlers.filter((handler) => !files.has(handlerReference(handler).file));

    expect(dangling).toEqual([]);
  });
});

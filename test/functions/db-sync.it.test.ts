/**
 * The db:sync deploy task (`functions/platform/db-sync.ts`), invoked as `sst deploy` invokes it:
 * it syncs every registered collection and creates AI Calling's first admin, changes nothing the
 * second time, and throws (failing the deploy) when an index conflict is left.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { database } from "#core/db/client.ts";
import { allCollections } from "#core/db/registry.ts";
import { handler } from "../../functions/platform/db-sync.ts";

const ADMIN = { ADMIN_EMAIL: "Deploy.Admin@Example.com", ADMIN_PASSWORD: "a long deploy-time secret" };
const saved = Object.fromEntries(Object.keys(ADMIN).map((name) => [name, process.env[name]]));

beforeAll(() => {
  Object.assign(process.env, ADMIN);
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("db:sync deploy task", () => {
  it("syncs every registered collection and creates the first admin, then changes nothing", async () => {
    const first = await handler();
    const second = await handler();

    expect(first).toMatchObject({ collections: allCollections().length, problems: [], firstAdmin: "created" });
    expect(first.changes).toBeGreaterThan(0);
    expect(second).toEqual({ collections: allCollections().length, changes: 0, problems: [], firstAdmin: "admin exists" });
    expect(await database("ai-calling").collection("users").countDocuments({ role: "admin", email: "deploy.admin@example.com" })).toBe(1);
  });

  it("fails on an index conflict it must not resolve alone, naming the index", async () => {
    const users = database("ai-calling").collection("users");
    await handler();
    await users.dropIndex("email_1");
    await users.createIndex({ email: 1 }, { name: "email_1" });

    await expect(handler()).rejects.toThrow(/ai-calling\.users: conflict on index email_1: .*unique/);
  });
});

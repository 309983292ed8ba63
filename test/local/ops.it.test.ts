/**
 * The operations commands as a deploy runs them: `npm run` in a child process, pointed at the
 * test MongoDB (and the test file's database prefix) through the environment.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { verifyPassword } from "#core/auth/passwords.ts";
import { database } from "#core/db/client.ts";
import { allCollections } from "#core/db/registry.ts";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "#local/runtime/handlers.ts";

const exec = promisify(execFile);

/** Runs an npm script with this file's settings; resolves with its output and exit code. */
async function npmRun(script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return npmRunWith({}, script, ...args);
}

async function npmRunWith(env: Record<string, string>, script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec("npm", ["run", "--silent", script, "--", ...args], { cwd: REPOSITORY_ROOT, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe("operations commands", () => {
  it("db:sync reaches the configured MongoDB, prints a summary line, exits 0, and changes nothing the second time", async () => {
    const collections = allCollections().length;

    const first = await npmRun("db:sync");
    const second = await npmRun("db:sync");

    expect(first.stdout.trim().split("\n").at(-1)).toMatch(new RegExp(`^${collections} collections, \\d+ changes$`));
    expect(first.stderr).toContain("db:sync: MongoDB: configured MONGODB_URI");
    expect(first.code).toBe(0);
    expect(second.stdout.trim().split("\n").at(-1)).toBe(`${collections} collections, 0 changes`);
    expect(second.code).toBe(0);
  });

  it("db:sync creates AI Calling's first admin from ADMIN_EMAIL and ADMIN_PASSWORD once, hashed, and never a second", async () => {
    const admin = { ADMIN_EMAIL: "Ops.Admin@Example.com", ADMIN_PASSWORD: "a long admin secret" };

    const first = await npmRunWith(admin, "db:sync", "--system", "ai-calling");
    const again = await npmRunWith({ ...admin, ADMIN_EMAIL: "second.admin@example.com" }, "db:sync", "--system", "ai-calling");
    const admins = await database("ai-calling").collection("users").find({ role: "admin" }).toArray();

    expect(first.code).toBe(0);
    expect(first.stdout).toContain("ai-calling.users: created the first admin ops.admin@example.com");
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("created the first admin");
    expect(admins).toHaveLength(1);
    expect(admins[0]).toMatchObject({ email: "ops.admin@example.com", role: "admin", credits: 1000, isActive: true });
    expect(admins[0].password).toMatch(/^\$2[aby]\$10\$/);
    expect(await verifyPassword(admin.ADMIN_PASSWORD, admins[0].password)).toBe(true);
  });

  it("db:sync refuses an unknown system with its usage and a non-zero exit", async () => {
    const { code, stderr } = await npmRun("db:sync", "--system", "nope");

    expect(stderr).toContain('db:sync: unknown system "nope"');
    expect(stderr).toContain("usage: npm run db:sync");
    expect(code).not.toBe(0);
  });

  it("migrate status shows where a system's migrations are recorded", async () => {
    const { code, stdout } = await npmRun("migrate", "status", "--system", "car-sales");

    expect(stdout).toContain("car-sales (");
    expect(stdout).toContain("recorded in schemaversions");
    expect(code).toBe(0);
  });
});

/**
 * The AI Calling document seeds one admin user with its setup script. Here the first admin comes
 * from configuration (`ADMIN_EMAIL`, `ADMIN_PASSWORD`) when `db:sync` runs, never from a password
 * written in code, and only while the system has no admin: once one exists, nothing is touched.
 *
 * @example
 * const outcome = await ensureFirstAdmin({ email: "ops@example.com", password: secret });
 * // { outcome: "created", email: "ops@example.com" } | { outcome: "admin exists" } | …
 */
import { hashPassword, PASSWORD_MAX_BYTES, PASSWORD_RULES } from "../auth/passwords.ts";
import { config } from "../config/index.ts";
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { ValidationError } from "../errors.ts";
import { users } from "./users.ts";

/** The credits the document's seeded admin starts with. */
export const FIRST_ADMIN_CREDITS = 1000;

export type FirstAdminOutcome =
  | { outcome: "created"; email: string }
  | { outcome: "admin exists" }
  | { outcome: "email taken"; email: string };

export async function ensureFirstAdmin({ email, password, name = "Admin User" }: { email: string; password: string; name?: string }): Promise<FirstAdminOutcome> {
  const { cost, minLength } = PASSWORD_RULES["ai-calling"];
  if (password.length < minLength || Buffer.byteLength(password) > PASSWORD_MAX_BYTES) {
    throw new ValidationError([{ path: "ADMIN_PASSWORD", message: `must be ${minLength} characters to ${PASSWORD_MAX_BYTES} bytes` }]);
  }
  const repository = openRepository(users);
  const normalized = email.trim().toLowerCase();
  if (await withDriverErrors(() => repository.collection.findOne({ role: "admin" }, { projection: { _id: 1 } }))) return { outcome: "admin exists" };
  // An account already holding the address is someone's: it is not promoted behind their back.
  if (await withDriverErrors(() => repository.collection.findOne({ email: normalized }, { projection: { _id: 1 } }))) return { outcome: "email taken", email: normalized };
  await repository.create({ email: normalized, password: await hashPassword(password, cost), name, isActive: true }, { set: { role: "admin", credits: FIRST_ADMIN_CREDITS } });
  return { outcome: "created", email: normalized };
}

/**
 * `ensureFirstAdmin` with `ADMIN_EMAIL` and `ADMIN_PASSWORD`, as db:sync and `npm start` run it:
 * "not configured" when neither is set, "half configured" when only one is.
 */
export async function ensureFirstAdminFromConfig(): Promise<FirstAdminOutcome | { outcome: "not configured" | "half configured" }> {
  const { email, password } = config("admin");
  if (!email && !password) return { outcome: "not configured" };
  if (!email || !password) return { outcome: "half configured" };
  return ensureFirstAdmin({ email, password });
}

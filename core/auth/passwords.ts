/**
 * Password hashing with bcrypt (bcryptjs, pure JS: no native build in Lambda), the per-system
 * rules the documents give (cost, minimum length), and a verification that spends the same time
 * whether or not the account exists, so login time does not reveal which emails are registered.
 *
 * @example
 * const password = passwordSchema("car-sales").parse(input.password);
 * const hash = await hashPassword(password, PASSWORD_RULES["car-sales"].cost); // "$2b$12$…"
 * const ok = await verifyPasswordOrDummy(input.password, user?.password, PASSWORD_RULES["car-sales"].cost);
 */
import bcrypt from "bcryptjs";
import * as z from "zod";
import { ValidationError } from "../errors.ts";
import type { SystemSlug } from "../systems.ts";

export interface PasswordRule {
  /** bcrypt cost factor (log2 of the rounds). */
  cost: number;
  /** Minimum length in characters. */
  minLength: number;
}

/** bcrypt reads only the first 72 bytes; longer passwords are refused rather than truncated. */
export const PASSWORD_MAX_BYTES = 72;

/**
 * Car Sales: `bcrypt.genSalt(12)` and `minlength: 8`. AI Calling: cost 10 (`$2b$10$`), "min 8
 * characters before hashing". Sales Automation: "bcrypt (10 rounds)". DelAuto (`$2a$10$`) and
 * AutoMedia (`$2b$10$`) show cost 10 in their examples. Only Car Sales and AI Calling state a
 * minimum length; the others get the same 8.
 */
export const PASSWORD_RULES = {
  "car-sales": { cost: 12, minLength: 8 },
  "sales-automation": { cost: 10, minLength: 8 },
  delauto: { cost: 10, minLength: 8 },
  automedia: { cost: 10, minLength: 8 },
  "ai-calling": { cost: 10, minLength: 8 },
} as const satisfies Record<SystemSlug, PasswordRule>;

const byteLength = (plain: string): number => Buffer.byteLength(plain, "utf8");

/**
 * The password field of a system's registration or password-change input.
 * @example
 * const Register = z.object({ email: z.email(), password: passwordSchema("ai-calling") });
 */
export function passwordSchema(system: SystemSlug) {
  const { minLength } = PASSWORD_RULES[system];
  return z
    .string()
    .min(minLength, `must be at least ${minLength} characters`)
    .refine((plain) => byteLength(plain) <= PASSWORD_MAX_BYTES, `must be at most ${PASSWORD_MAX_BYTES} bytes`);
}

/**
 * Hashes a password (which `passwordSchema` has already accepted) at the given cost.
 * @example
 * const hash = await hashPassword("correct horse", PASSWORD_RULES.delauto.cost);
 */
export async function hashPassword(plain: string, cost: number): Promise<string> {
  // Defence in depth: a caller that skipped the schema must not store a silently truncated secret.
  if (byteLength(plain) > PASSWORD_MAX_BYTES) {
    throw new ValidationError([{ path: "password", message: `must be at most ${PASSWORD_MAX_BYTES} bytes` }]);
  }
  return bcrypt.hash(plain, cost);
}

/**
 * Whether `plain` matches a stored bcrypt hash. A password beyond 72 bytes never matches (bcrypt
 * would compare only its prefix), yet still costs one bcrypt run.
 * @example
 * if (!(await verifyPassword(input.password, agent.password))) throw new UnauthorizedError("invalid email or password");
 */
export async function verifyPassword(plain: string, hash: string): Promise<boolean> {
  if (byteLength(plain) > PASSWORD_MAX_BYTES) {
    await bcrypt.compare(plain, dummyHash(costOf(hash)));
    return false;
  }
  return bcrypt.compare(plain, hash);
}

/**
 * Login's verification: against the user's hash, or, when there is no such user, against a dummy
 * hash of the system's cost, so both cases take one bcrypt run and answer `false` the same way.
 * @example
 * const user = await users.collection.findOne({ email });
 * const ok = await verifyPasswordOrDummy(input.password, user?.password, PASSWORD_RULES[system].cost);
 */
export async function verifyPasswordOrDummy(plain: string, hash: string | undefined, cost: number): Promise<boolean> {
  if (hash === undefined) {
    await bcrypt.compare(plain, dummyHash(cost));
    return false;
  }
  return verifyPassword(plain, hash);
}

/**
 * Whether a stored hash is weaker than the system's cost now (rehash it after a successful login).
 * @example
 * if (needsRehash(user.password, PASSWORD_RULES[system].cost)) patch.password = await hashPassword(plain, cost);
 */
export function needsRehash(hash: string, cost: number): boolean {
  return costOf(hash) < cost;
}

/** The cost recorded in a hash; the highest system cost when the hash is unreadable. */
function costOf(hash: string): number {
  const rounds = bcrypt.getRounds(hash);
  return Number.isInteger(rounds) && rounds >= 4 && rounds <= 31 ? rounds : PASSWORD_RULES["car-sales"].cost;
}

const dummies = new Map<number, string>();

/**
 * A well-formed hash that no password matches. bcrypt's work depends only on the cost and salt in
 * the hash, not on its checksum, so a fresh salt and a filler checksum cost exactly one real run
 * and need no hashing up front (which would make the first unknown-email login slower).
 */
function dummyHash(cost: number): string {
  let dummy = dummies.get(cost);
  if (!dummy) {
    dummy = `${bcrypt.genSaltSync(cost)}${"O".repeat(31)}`;
    dummies.set(cost, dummy);
  }
  return dummy;
}

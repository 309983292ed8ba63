/**
 * The auth endpoints' service, one implementation for every system: register, login, refresh,
 * logout, me. A system describes its accounts collection once (`AccountModel`: which fields hold
 * the email, the password hash, the role…) and gets the API.md behaviour:
 *
 *   login ─► attempt limits (account, IP) ─► bcrypt (a dummy run when no such account)
 *         ├─ account locked (systems with a document lock): 423 with Retry-After
 *         ├─ wrong password / unknown / inactive: count the failure, 401 (one message for all)
 *         └─ ok: clear the count, record the login, issue access + refresh tokens
 *
 * A document lock (Car Sales' `loginAttempts`/`lockUntil`) never tells an unknown email from a
 * locked account: the login guard refuses every email with the same 423 after as many failures.
 *
 * Password hashes stay in here: every user returned goes through the definition's output codec.
 *
 * @example
 * export const login = (input: LoginInput, ip: string) => Accounts.login(aiCallingAccounts, input, ip);
 */
import type { Document } from "mongodb";
import * as z from "zod";
import { LockedError, NotFoundError, UnauthorizedError } from "../errors.ts";
import type { CollectionDefinition } from "../db/collection.ts";
import { openRepository } from "../db/repository.ts";
import type { SystemSlug } from "../systems.ts";
import { afterFailedLogin, afterSuccessfulLogin, lockoutState, type LockoutFields, type LockoutUpdate } from "./account-lockout.ts";
import { checkLoginAllowed, clearLoginFailures, recordLoginFailure } from "./login-guard.ts";
import { hashPassword, PASSWORD_RULES, passwordSchema, verifyPasswordOrDummy } from "./passwords.ts";
import { issueSession, refreshSession, revokeSession, type SessionStore } from "./tokens.ts";

/** Where a sign-in comes from, for systems that keep it with their sessions. */
export interface SessionContext {
  ip?: string;
  userAgent?: string;
}

export interface AccountModel {
  system: SystemSlug;
  definition: CollectionDefinition;
  /** Field names as the system's document spells them. */
  /** `phone`: where the document lets an account also sign in by phone (DelAuto's agents). */
  /** `role` absent: the document has none, and every account signs in with `defaultRole`. */
  fields: { email: string; password: string; role?: string; phone?: string; active?: string; lastLogin?: string; loginCount?: string };
  /** A system that keeps its sessions in its own collection (AutoMedia) gives their store. */
  store?: (context: SessionContext) => SessionStore;
  /** Where the document keeps its own account lock (failed attempts, locked until), if it has one. */
  lockout?: { attempts: string; lockUntil: string };
  /** The role a self-registered account gets. */
  defaultRole: string;
  /** The profile fields a registration may set besides email and password (e.g. `name`). */
  profileFields: string[];
}

export interface SessionAnswer {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: Record<string, unknown>;
}

const INVALID_CREDENTIALS = "Invalid email or password";
/** As the login guard words it, so that a locked account and a blocked unknown email read alike. */
const LOCKED = "The account is locked after too many failed logins";

/**
 * `{ email, password }` or `{ phone, password }`: exactly one identifier. A system whose accounts
 * have no phone answers a phone login as it answers an unknown email (401).
 */
export const loginInput = z
  .strictObject({
    email: z.string().trim().min(1).max(254).optional(),
    phone: z.string().trim().min(1).max(32).optional(),
    password: z.string().min(1).max(1024),
  })
  .refine((input) => (input.email === undefined) !== (input.phone === undefined), { message: "Give either email or phone", path: ["email"] });
export const refreshInput = z.strictObject({ refreshToken: z.string().min(1).max(4096) });

/** What `POST /{system}/auth/register` accepts: email, password (the system's rules) and profile fields. */
export function registerInput(model: AccountModel) {
  const fields = model.definition.createInput.shape as Record<string, z.ZodType>;
  const profile = Object.fromEntries(model.profileFields.map((name) => [name, fields[name]]));
  return z.strictObject({ ...profile, [model.fields.email]: fields[model.fields.email], password: passwordSchema(model.system) });
}

export async function register(model: AccountModel, input: Document, context: SessionContext = {}): Promise<SessionAnswer> {
  const { password, ...profile } = input;
  const hash = await hashPassword(String(password), PASSWORD_RULES[model.system].cost);
  const users = openRepository(model.definition);
  const user = await users.create({ ...profile, [model.fields.email]: normalizeEmail(profile[model.fields.email]) }, {
    set: { [model.fields.password]: hash, ...(model.fields.role && { [model.fields.role]: model.defaultRole }) },
  });
  return answer(model, user, context);
}

export async function login(model: AccountModel, input: z.output<typeof loginInput>, ip: string, userAgent?: string): Promise<SessionAnswer> {
  const { account, filter } = loginIdentifier(model, input);
  await checkLoginAllowed({ system: model.system, account, ip });
  const users = openRepository(model.definition);
  const user = filter ? await users.collection.findOne(filter) : null;
  const now = new Date();
  const lock = user && model.lockout ? lockoutState(lockoutOf(model, user), now) : undefined;
  if (lock?.locked) throw new LockedError(LOCKED, lock.retryAfterSeconds);
  const hash = typeof user?.[model.fields.password] === "string" ? (user[model.fields.password] as string) : undefined;
  const matches = await verifyPasswordOrDummy(input.password, hash, PASSWORD_RULES[model.system].cost);
  if (!user || !matches || !isActive(model, user)) {
    if (user && !matches && model.lockout) await users.collection.updateOne({ _id: user._id }, lockoutWrite(model, afterFailedLogin(lockoutOf(model, user), now), now));
    await recordLoginFailure({ system: model.system, account, ip });
    throw new UnauthorizedError(INVALID_CREDENTIALS);
  }
  await clearLoginFailures({ system: model.system, account });
  const recorded = await recordLogin(model, user);
  return answer(model, recorded, { ip, userAgent });
}

export async function refresh(model: AccountModel, refreshToken: string, context: SessionContext = {}): Promise<SessionAnswer> {
  let current: Document | undefined;
  const session = await refreshSession(refreshToken, model.system, {
    store: model.store?.(context),
    // A deactivated account or a changed role must not ride on an old refresh token.
    reauthorize: async ({ userId }) => {
      current = await openRepository(model.definition).get(userId).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (!current || !isActive(model, current)) throw new UnauthorizedError("invalid or expired token");
      return { role: roleOf(model, current) };
    },
  });
  return { ...session, user: model.definition.toApi(current!) };
}

export async function logout(model: AccountModel, refreshToken: string): Promise<void> {
  await revokeSession(refreshToken, model.system, { store: model.store?.({}) });
}

export async function me(model: AccountModel, userId: Document["_id"]): Promise<Record<string, unknown>> {
  const user = await openRepository(model.definition).get(userId);
  if (!isActive(model, user)) throw new UnauthorizedError("invalid or expired token");
  return model.definition.toApi(user);
}

async function answer(model: AccountModel, user: Document, context: SessionContext): Promise<SessionAnswer> {
  const session = await issueSession({ system: model.system, userId: user._id, role: roleOf(model, user) }, { store: model.store?.(context) });
  return { ...session, user: model.definition.toApi(user) };
}

const roleOf = (model: AccountModel, user: Document): string => (model.fields.role ? String(user[model.fields.role] ?? model.defaultRole) : model.defaultRole);

/** Last-login time, where the document counts them logins, and the lock cleared: one atomic update. */
async function recordLogin(model: AccountModel, user: Document): Promise<Document> {
  const { lastLogin, loginCount } = model.fields;
  if (!lastLogin && !loginCount && !model.lockout) return user;
  const now = new Date();
  const update: Document = model.lockout ? lockoutWrite(model, afterSuccessfulLogin(), now) : { $set: {} };
  Object.assign(update.$set, { ...(lastLogin && { [lastLogin]: now }), ...(model.definition.timestamps && { updatedAt: now }) });
  if (loginCount) update.$inc = { [loginCount]: 1 };
  const updated = await openRepository(model.definition).collection.findOneAndUpdate({ _id: user._id }, update, { returnDocument: "after" });
  return updated ?? user;
}

function lockoutOf(model: AccountModel, user: Document): LockoutFields {
  const { attempts, lockUntil } = model.lockout!;
  return { loginAttempts: user[attempts] as number | undefined, lockUntil: user[lockUntil] as Date | undefined };
}

/**
 * The lock fields as one update (`lockUntil: null` removes the field). `updatedAt` moves too: the
 * repository's `update` replaces only the version it read, so a concurrent edit cannot undo a count.
 */
function lockoutWrite(model: AccountModel, next: LockoutUpdate, now = new Date()): Document {
  const { attempts, lockUntil } = model.lockout!;
  const $set = { [attempts]: next.loginAttempts, ...(next.lockUntil && { [lockUntil]: next.lockUntil }), ...(model.definition.timestamps && { updatedAt: now }) };
  return next.lockUntil ? { $set } : { $set, $unset: { [lockUntil]: "" } };
}

function isActive(model: AccountModel, user: Document): boolean {
  return !model.fields.active || user[model.fields.active] !== false;
}

const normalizeEmail = (email: unknown): string => String(email ?? "").trim().toLowerCase();

/**
 * The account a login names (the login guard's key) and how to find it: the email lowercased, or
 * the phone as given (trimmed). No filter when the system's accounts have no phone: no such account.
 */
function loginIdentifier(model: AccountModel, input: z.output<typeof loginInput>): { account: string; filter?: Document } {
  if (input.email !== undefined) {
    const email = normalizeEmail(input.email);
    return { account: email, filter: { [model.fields.email]: email } };
  }
  const phone = String(input.phone ?? "").trim();
  return { account: phone, filter: model.fields.phone ? { [model.fields.phone]: phone } : undefined };
}


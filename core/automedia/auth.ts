/**
 * AutoMedia's auth service: `core/auth/accounts.ts`'s behaviour (login guard, a dummy bcrypt run
 * for an unknown email, one message for every refusal, refresh rotation with re-authorization),
 * plus the document's `sessions`, kept by passing `sessionStore` to the token service.
 *
 * `core/auth/accounts.ts` calls the token service without a store, so register, login, refresh and
 * logout are composed here from the same primitives; `me` is the shared one. The document has no
 * role field: every account signs in as `user`. Once `AccountModel` takes an optional `store`, this
 * module reduces to `Accounts.*(accounts, …)`.
 */
import { ObjectId, type Document } from "mongodb";
import type { z } from "zod";
import * as Accounts from "../auth/accounts.ts";
import { checkLoginAllowed, clearLoginFailures, recordLoginFailure } from "../auth/login-guard.ts";
import { hashPassword, PASSWORD_RULES, verifyPasswordOrDummy } from "../auth/passwords.ts";
import { issueSession, refreshSession, revokeSession } from "../auth/tokens.ts";
import { openRepository } from "../db/repository.ts";
import { UnauthorizedError } from "../errors.ts";
import { accounts } from "./accounts.ts";
import { sessionStore, type SessionContext } from "./session-store.ts";
import { users } from "./users.ts";

export type { SessionContext } from "./session-store.ts";

/** AutoMedia's only role: its document names none. */
export const ROLE = "user";
const INVALID_CREDENTIALS = "Invalid email or password";

export async function register(input: Document, context: SessionContext = {}): Promise<Accounts.SessionAnswer> {
  const { password, ...profile } = input;
  const hash = await hashPassword(String(password), PASSWORD_RULES.automedia.cost);
  const user = await openRepository(users).create({ ...profile, email: normalizeEmail(profile.email) }, { set: { password: hash } });
  return answer(user, context);
}

export async function login(input: z.output<typeof Accounts.loginInput>, context: SessionContext & { ip: string }): Promise<Accounts.SessionAnswer> {
  const email = normalizeEmail(input.email);
  await checkLoginAllowed({ system: "automedia", account: email, ip: context.ip });
  const user = await openRepository(users).collection.findOne({ email });
  const hash = typeof user?.password === "string" ? user.password : undefined;
  const matches = await verifyPasswordOrDummy(input.password, hash, PASSWORD_RULES.automedia.cost);
  if (!user || !matches || user.isActive === false) {
    await recordLoginFailure({ system: "automedia", account: email, ip: context.ip });
    throw new UnauthorizedError(INVALID_CREDENTIALS);
  }
  await clearLoginFailures({ system: "automedia", account: email });
  return answer(user, context);
}

export async function refresh(refreshToken: string, context: SessionContext = {}): Promise<Accounts.SessionAnswer> {
  let current: Document | undefined;
  const session = await refreshSession(refreshToken, "automedia", {
    store: sessionStore(context),
    // A deactivated account must not ride on an old refresh token.
    reauthorize: async ({ userId }) => {
      current = (await openRepository(users).collection.findOne({ _id: toId(userId) })) ?? undefined;
      if (!current || current.isActive === false) throw new UnauthorizedError("invalid or expired token");
      return { role: ROLE };
    },
  });
  return { ...session, user: users.toApi(current!) };
}

export async function logout(refreshToken: string): Promise<void> {
  await revokeSession(refreshToken, "automedia", { store: sessionStore() });
}

export const me = (userId: Document["_id"]): Promise<Record<string, unknown>> => Accounts.me(accounts, userId);

async function answer(user: Document, context: SessionContext): Promise<Accounts.SessionAnswer> {
  const session = await issueSession({ system: "automedia", userId: user._id, role: ROLE }, { store: sessionStore(context) });
  return { ...session, user: users.toApi(user) };
}

const normalizeEmail = (email: unknown): string => String(email ?? "").trim().toLowerCase();

const toId = (userId: string): ObjectId | undefined => (/^[0-9a-f]{24}$/i.test(userId) ? ObjectId.createFromHexString(userId) : undefined);

/**
 * How AutoMedia's `users` serve as accounts. The document has no role field, so every account
 * signs in as `user`; its `sessions` collection is kept through the session store.
 */
import type { AccountModel } from "../auth/accounts.ts";
import { sessionStore } from "./session-store.ts";
import { users } from "./users.ts";

export const accounts: AccountModel = {
  system: "automedia",
  definition: users,
  fields: { email: "email", password: "password", active: "isActive" },
  defaultRole: "user",
  profileFields: ["profile"],
  store: sessionStore,
};

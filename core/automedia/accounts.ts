/**
 * How AutoMedia's `users` serve as accounts. The document has no role field: `role` names none
 * that is ever written (`core/automedia/auth.ts` signs every account in as `user`).
 */
import type { AccountModel } from "../auth/accounts.ts";
import { users } from "./users.ts";

export const accounts: AccountModel = {
  system: "automedia",
  definition: users,
  fields: { email: "email", password: "password", role: "role", active: "isActive" },
  defaultRole: "user",
  profileFields: ["profile"],
};

/** How the AI Calling Platform's `users` serve as accounts: the fields its document names. */
import type { AccountModel } from "../auth/accounts.ts";
import { users } from "./users.ts";

export const accounts: AccountModel = {
  system: "ai-calling",
  definition: users,
  fields: { email: "email", password: "password", role: "role", active: "isActive", lastLogin: "lastLoginAt" },
  defaultRole: "user",
  profileFields: ["name"],
};

/** How Car Sales' `users` serve as accounts: the fields its document names, and its account lock. */
import type { AccountModel } from "../auth/accounts.ts";
import { users } from "./users.ts";

export const accounts: AccountModel = {
  system: "car-sales",
  definition: users,
  fields: { email: "email", password: "password", role: "role", active: "isActive", lastLogin: "lastLogin" },
  lockout: { attempts: "loginAttempts", lockUntil: "lockUntil" },
  defaultRole: "salesperson",
  profileFields: ["profile"],
};

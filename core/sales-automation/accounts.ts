/** How Sales Automation's `users` serve as accounts: the fields its document names. */
import type { AccountModel } from "../auth/accounts.ts";
import { users } from "./users.ts";

export const accounts: AccountModel = {
  system: "sales-automation",
  definition: users,
  // The document keeps no active flag and no login time.
  fields: { email: "email", password: "password", role: "role" },
  defaultRole: "user",
  // The document's profile is `businessInfo`: optional at sign-up, completed during onboarding.
  profileFields: ["businessInfo"],
};

/** How DelAuto's `agents` serve as accounts: the fields its document names; sign-in by email or phone. */
import type { AccountModel } from "../auth/accounts.ts";
import { agents } from "./agents.ts";

export const accounts: AccountModel = {
  system: "delauto",
  definition: agents,
  fields: { email: "email", password: "password", role: "role", phone: "phone", active: "is_active", lastLogin: "last_login", loginCount: "login_count" },
  defaultRole: "agent",
  profileFields: ["name", "phone"],
};

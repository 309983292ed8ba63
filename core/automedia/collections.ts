/** Every collection of AutoMedia defined so far, for db:sync, backups and the index check. */
import { sessions } from "./sessions.ts";
import { users } from "./users.ts";

export const collections = [users, sessions];

/** Every collection of the AI Calling Platform, for db:sync, backups and the index check. */
import { users } from "./users.ts";

export const collections = [users];

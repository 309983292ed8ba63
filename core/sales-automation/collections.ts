/** Every collection of the AI Sales Automation OS, for db:sync, backups and the index check. */
import { users } from "./users.ts";

export const collections = [users];

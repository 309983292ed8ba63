/** Every collection of the Car Sales AI Assistant, for db:sync, backups and the index check. */
import { users } from "./users.ts";

export const collections = [users];

/** Every collection of DelAuto defined so far, for db:sync, backups and the index check. */
import { agents } from "./agents.ts";
import { apiKeys } from "./api-keys.ts";

export const collections = [agents, apiKeys];

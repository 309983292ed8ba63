/** Every collection of DelAuto defined so far, for db:sync, backups and the index check. */
import { apiKeys } from "./api-keys.ts";

export const collections = [apiKeys];

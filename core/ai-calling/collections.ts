/** Every collection of the AI Calling Platform, for db:sync, backups and the index check. */
import { agents } from "./agents.ts";
import { callLogs } from "./call-logs.ts";
import { phones } from "./phones.ts";
import { sessions } from "./sessions.ts";
import { users } from "./users.ts";

export const collections = [users, agents, phones, callLogs, sessions];

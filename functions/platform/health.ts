import { http } from "#core/http/pipeline.ts";
import { getHealth } from "./routes.ts";

/** Liveness only: answers without touching any dependency, so a slow database is not "down". */
export const handler = http(getHealth, async () => ({ status: "ok" as const }));

/**
 * Migration 0001, the document's `001-add-agent-stats`: every agent without `stats` gets zeroed
 * statistics; down removes `stats` from every agent, as the document's own `down` does.
 */
import type { MigrationContext } from "#core/db/migrations.ts";
import { EMPTY_STATS } from "#core/ai-calling/agents.ts";

export const description = "add agent stats";

export async function up({ db, session }: MigrationContext): Promise<void> {
  await db.collection("agents").updateMany({ stats: { $exists: false } }, { $set: { stats: { ...EMPTY_STATS } } }, { session });
}

export async function down({ db, session }: MigrationContext): Promise<void> {
  await db.collection("agents").updateMany({}, { $unset: { stats: "" } }, { session });
}

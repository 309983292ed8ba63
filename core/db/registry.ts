/**
 * Every collection definition of every system, in one place: `db:sync`, migrations, backups and
 * the index coverage check read their collections from here, so a collection defined but not
 * registered would get no validator, no indexes and no backup.
 *
 * A system registers its collections by exporting an array from `core/<system>/collections.ts`
 * and listing it below under its slug:
 *
 *   import { collections as aiCalling } from "../ai-calling/collections.ts";
 *   const REGISTRY = { ..., "ai-calling": aiCalling };
 *
 * @example
 * for (const definition of collectionsOf("ai-calling")) console.log(definition.name);
 */
import { collections as aiCalling } from "../ai-calling/collections.ts";
import { collections as automedia } from "../automedia/collections.ts";
import { collections as carSales } from "../car-sales/collections.ts";
import { collections as delauto } from "../delauto/collections.ts";
import { collections as salesAutomation } from "../sales-automation/collections.ts";
import { SYSTEM_SLUGS, type SystemSlug } from "../systems.ts";
import type { CollectionDefinition } from "./collection.ts";

const REGISTRY: Record<SystemSlug, readonly CollectionDefinition[]> = {
  "car-sales": carSales as unknown as readonly CollectionDefinition[],
  delauto: delauto as unknown as readonly CollectionDefinition[],
  "sales-automation": salesAutomation as unknown as readonly CollectionDefinition[],
  automedia: automedia as unknown as readonly CollectionDefinition[],
  "ai-calling": aiCalling as unknown as readonly CollectionDefinition[],
};

/** The collections of one system, in registration order. */
export function collectionsOf(system: SystemSlug): readonly CollectionDefinition[] {
  return REGISTRY[system];
}

/** The collections of every system, system by system. */
export function allCollections(): CollectionDefinition[] {
  return SYSTEM_SLUGS.flatMap((system) => REGISTRY[system]);
}

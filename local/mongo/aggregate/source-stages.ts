/**
 * First stages that read a collection through an index or the search catalog instead of taking
 * its documents as they come: `$geoNear` (a 2dsphere walk), `$match` with `$text` (the text
 * index, each match carrying its textScore), `$vectorSearch` and `$listSearchIndexes` (Atlas
 * search indexes). The aggregate command runs the first stage here and the rest on its output.
 */
import { isPlainObject } from "../bson-values.ts";
import { CommandError } from "../errors.ts";
import { hasText } from "../query/planned-operators.ts";
import type { Doc } from "../query/paths.ts";
import { listSearchIndexes } from "../search/search-indexes.ts";
import { vectorSearchDocuments } from "../search/vector-search.ts";
import type { CollectionStore } from "../storage/collection-store.ts";
import { planQuery } from "../storage/planner.ts";
import { geoNearDocuments } from "./geo-near.ts";
import { SERVER_STAGES } from "./pipeline.ts";

export function isIndexSourceStage(stage: Doc): boolean {
  const [name] = Object.keys(stage);
  return SERVER_STAGES.indexFirst.has(name) || (name === "$match" && isPlainObject(stage.$match) && hasText(stage.$match));
}

export function indexSourceDocuments(collection: CollectionStore | undefined, stage: Doc, options: { collation?: Doc; variables?: Doc }): Doc[] {
  const [name] = Object.keys(stage);
  // A view's own pipeline comes first, so the stage would no longer be the first one.
  if (collection?.isView) {
    if (name === "$match") throw new CommandError(17313, "$match with $text is only allowed as the first pipeline stage");
    throw new CommandError(40602, `${name} is only valid as the first stage in a pipeline.`);
  }
  switch (name) {
    case "$geoNear":
      return geoNearDocuments(collection, stage.$geoNear, options);
    case "$vectorSearch":
      return vectorSearchDocuments(collection, stage.$vectorSearch);
    case "$listSearchIndexes":
      return listSearchIndexes(collection, stage.$listSearchIndexes);
  }
  if (!collection) return [];
  const filter = stage.$match as Doc;
  const plan = planQuery(collection, filter, { collation: options.collation });
  const matches = collection.matcher(filter, options);
  return [...plan.candidates].filter((doc) => matches(doc));
}

/**
 * Where `$text` and `$near` may stand in a query, as the server's CanonicalQuery checks it: one
 * of each at most, `$text` not under `$nor` (nor, here, under `$or`: the server answers that only
 * when every other clause is indexed), `$near` at the top level or in a top-level `$and`, and
 * never both in one query.
 */
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes, badValue } from "../errors.ts";
import { NEAR_OPERATORS } from "./geo.ts";
import type { Doc } from "./paths.ts";

interface Found {
  text: number;
  textIn: Set<string>;
  near: number;
  nearNested: boolean;
}

function visit(filter: Doc, topLevel: boolean, within: string | undefined, found: Found): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$text") {
      found.text++;
      if (within) found.textIn.add(within);
    } else if ((key === "$and" || key === "$or" || key === "$nor") && Array.isArray(value)) {
      const nested = key === "$and" ? within : within === "$nor" ? within : key;
      for (const clause of value) if (isPlainObject(clause)) visit(clause, topLevel && key === "$and", nested, found);
    } else if (!key.startsWith("$") && isPlainObject(value) && NEAR_OPERATORS.some((operator) => operator in value)) {
      found.near++;
      if (!topLevel) found.nearNested = true;
    }
  }
}

export function checkPlacement(filter: Doc): void {
  const found: Found = { text: 0, textIn: new Set(), near: 0, nearNested: false };
  visit(filter, true, undefined, found);
  if (found.text > 1) throw badValue("Too many text expressions");
  if (found.textIn.has("$nor")) throw badValue("text expression not allowed in nor");
  if (found.near > 1) throw badValue("Too many geoNear expressions");
  if (found.near && found.nearNested) throw badValue("geoNear must be top-level expr");
  if (found.text && found.near) throw badValue("text and geoNear not allowed in same query");
  if (found.textIn.has("$or")) {
    throw new CommandError(ErrorCodes.NoQueryExecutionPlans, "error processing query: planner returned error :: caused by :: Failed to produce a solution for TEXT under OR - other non-TEXT clauses under OR have to be indexed as well.");
  }
}

/** Whether a query has a `$text` (top level or in a top-level `$and`), whose matches carry a textScore. */
export function hasText(filter: Doc): boolean {
  return filter.$text !== undefined || (Array.isArray(filter.$and) && filter.$and.some((clause) => isPlainObject(clause) && hasText(clause)));
}

/** Whether the query holds `$near`/`$nearSphere` anywhere (aggregation `$match` refuses them). */
export function hasNear(filter: Doc): boolean {
  const found: Found = { text: 0, textIn: new Set(), near: 0, nearNested: false };
  visit(filter, true, undefined, found);
  return found.near > 0;
}

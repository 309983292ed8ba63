/**
 * What every operator leaf shares (the server's ModifierNode): update an existing element or
 * create the missing tail of the path, then check that `_id` was not touched and that no
 * top-level field name starts with `$`.
 */
import { CommandError, ErrorCodes } from "../errors.ts";
import { formatElement } from "./format.ts";
import { checkViability, createPathAt, describe, nameOf } from "./paths.ts";
import type { Cursor, Element, LeafNode, Run } from "./types.ts";

export interface Modifier {
  /** $set, $inc, $push… create missing paths; $unset, $pull, $pop do not. */
  allowCreation: boolean;
  /** $unset ignores a path it could not even create; $pull and $pop report it. */
  allowNonViablePath: boolean;
  /** $setOnInsert applies only when an upsert inserts. */
  insertOnly?: boolean;
  /** Removals cannot introduce a `$`-prefixed field, so they skip the storage check. */
  validatesStorage: boolean;
  /** Returns whether the element changed. */
  updateExisting(element: Element, cursor: Cursor, run: Run): boolean;
  valueForNew(run: Run): unknown;
}

export const modifierLeaf = (modifier: Modifier): LeafNode => ({
  type: "leaf",
  apply: (element, cursor, run) => applyModifier(modifier, element, cursor, run),
});

export function applyModifier(modifier: Modifier, element: Element, cursor: Cursor, run: Run): void {
  if (modifier.insertOnly && !run.isInsert) return;
  if (cursor.pathToCreate.length > 0) applyToNonexistent(modifier, element, cursor, run);
  else applyToExisting(modifier, element, cursor, run);
}

function applyToExisting(modifier: Modifier, element: Element, cursor: Cursor, run: Run): void {
  if (!modifier.updateExisting(element, cursor, run)) return;
  if (cursor.pathTaken[0] === "_id") {
    throw new CommandError(
      ErrorCodes.ImmutableField,
      `Performing an update on the path '${cursor.pathTaken.join(".")}' would modify the immutable field '_id'`,
    );
  }
  if (modifier.validatesStorage && !run.isInsert) checkStorageName(element, cursor.pathTaken.length, cursor.pathTaken);
  run.changed = true;
}

function applyToNonexistent(modifier: Modifier, element: Element, cursor: Cursor, run: Run): void {
  if (!modifier.allowCreation) {
    if (!modifier.allowNonViablePath) checkViability(element, cursor);
    return;
  }
  const created = createPathAt(cursor.pathToCreate, element, modifier.valueForNew(run));
  if (modifier.validatesStorage && !run.isInsert) {
    checkStorageName(created, cursor.pathTaken.length + 1, [...cursor.pathTaken, cursor.pathToCreate[0]]);
  }
  // Adding a field under an existing _id changes _id; creating _id where there is none does not.
  if (cursor.pathTaken[0] === "_id") {
    throw new CommandError(
      ErrorCodes.ImmutableField,
      `Updating the path '${cursor.pathTaken.join(".")}' to ${describe(element)} would modify the immutable field '_id'`,
    );
  }
  run.changed = true;
}

/**
 * storage_validation::scanDocument as modifiers call it: since 5.0 only top-level field names
 * are refused for a leading `$` (deeper ones, and any inside values, are stored as given). An
 * upsert's insert skips this: the server builds it unvalidated and then accepts top-level `$`
 * names in the finished document.
 */
function checkStorageName(element: Element, level: number, path: string[]): void {
  const name = nameOf(element);
  if (level !== 1 || !name.startsWith("$")) return;
  throw new CommandError(
    ErrorCodes.DollarPrefixedFieldName,
    `The dollar ($) prefixed field '${name}' in '${path.join(".")}' is not allowed in the context of an ` +
      "update's replacement document. Consider using an aggregation pipeline with $replaceWith.",
  );
}

/** For modifiers that never create a path; their apply returns before asking for a new value. */
export const unreachable = (): never => {
  throw new Error("this modifier never creates a path");
};

/** What mutable bson prints for an element that does not exist, e.g. the _id of an upsert in progress. */
export const MISSING_ELEMENT = "INVALID-MUTABLE-ELEMENT";

/** `_id: 5`, or what the server prints when the document has no _id yet. */
export function idDescription(run: Run, whenMissing: string): string {
  return Object.hasOwn(run.root, "_id") ? formatElement("_id", run.root._id) : whenMissing;
}

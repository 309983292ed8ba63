/**
 * Applying a parsed update tree to one document, node by node as the server does
 * (UpdateObjectNode::apply, UpdateArrayNode::apply). Children apply in field-name order, which
 * is also the order new fields are appended in. The document changes only if the whole update
 * succeeds: the tree works on a copy that replaces the document's contents at the end.
 */
import { badValue } from "../errors.ts";
import { stringComparerFor, type QueryOptions } from "../query.ts";
import { matchedArrayIndex } from "./positional.ts";
import { childOf, cloneValue, comparePathParts, describe as describeElement, setOwn } from "./paths.ts";
import { mergeNodes, parseArrayFilters, parseUpdate, type ParsedUpdate } from "./tree.ts";
import type { ArrayNode, Cursor, Doc, Element, ObjectNode, Run, UpdateContext, UpdateNode } from "./types.ts";

export function validateOperatorUpdate(update: Record<string, unknown>, arrayFilters?: Record<string, unknown>[]): void {
  parseUpdate(update, parseArrayFilters(arrayFilters, {}), { queryOptions: {} });
}

export function applyOperatorUpdate(doc: Record<string, unknown>, update: Record<string, unknown>, ctx: UpdateContext): boolean {
  const parsed = parsedFor(update, ctx.arrayFilters, ctx.queryOptions);
  const working = cloneValue(doc);
  const run: Run = {
    root: working,
    isInsert: ctx.isUpsertInsert === true,
    now: ctx.now ?? new Date(),
    strings: stringComparerFor(ctx.queryOptions?.collation),
    changed: false,
  };
  // An upsert's insert has no query match, so `$` has nothing to stand for there.
  if (parsed.positional && !run.isInsert && ctx.query) {
    run.matchedField = matchedArrayIndex(ctx.query, working, ctx.queryOptions);
  }
  applyNode(parsed.root, { value: working }, { pathTaken: [], pathToCreate: [] }, run);
  if (run.changed) {
    for (const key of Object.keys(doc)) delete doc[key];
    for (const key of Object.keys(working)) setOwn(doc, key, working[key]);
  }
  return run.changed;
}

interface CachedParse {
  arrayFilters?: Record<string, unknown>[];
  queryOptions?: QueryOptions;
  parsed: ParsedUpdate;
}

/** A multi-document update parses once, not once per document. */
const parseCache = new WeakMap<object, CachedParse>();

function parsedFor(update: Doc, arrayFilters?: Doc[], queryOptions?: QueryOptions): ParsedUpdate {
  const cached = parseCache.get(update);
  if (cached && cached.arrayFilters === arrayFilters && cached.queryOptions === queryOptions) return cached.parsed;
  const options = queryOptions ?? {};
  const env = { queryOptions: options, strings: stringComparerFor(options.collation) };
  const parsed = parseUpdate(update, parseArrayFilters(arrayFilters, options), env);
  parseCache.set(update, { arrayFilters, queryOptions, parsed });
  return parsed;
}

function applyNode(node: UpdateNode, element: Element, cursor: Cursor, run: Run): void {
  if (node.type === "leaf") node.apply(element, cursor, run);
  else if (node.type === "object") applyObjectNode(node, element, cursor, run);
  else applyArrayNode(node, element, cursor, run);
}

function sortedChildren(node: ObjectNode | ArrayNode): [string, UpdateNode][] {
  node.sorted ??= [...node.children].sort(([a], [b]) => comparePathParts(a, b));
  return node.sorted;
}

function applyObjectNode(node: ObjectNode, element: Element, cursor: Cursor, run: Run): void {
  const matched = run.matchedField;
  let positionalPending = node.positional !== undefined;
  if (positionalPending && matched === undefined) {
    throw badValue("The positional operator did not find the match needed from the query.");
  }
  const here = { element };
  for (const [name, child] of sortedChildren(node)) {
    if (positionalPending && name === matched) {
      const path = [...cursor.pathTaken, ...cursor.pathToCreate, name];
      applyChild(mergeNodes(node.positional as UpdateNode, child, path), name, here, cursor, run);
      positionalPending = false;
      continue;
    }
    // The server slots the positional child in by plain string order, not the children's order.
    if (positionalPending && (matched as string) < name) {
      applyChild(node.positional as UpdateNode, matched as string, here, cursor, run);
      positionalPending = false;
    }
    applyChild(child, name, here, cursor, run);
  }
  if (positionalPending) applyChild(node.positional as UpdateNode, matched as string, here, cursor, run);
}

/**
 * Walks into `field` (or notes it as still to be created) and applies `child` there. Afterwards
 * `here.element` is advanced past any part of the path a child has just created, so siblings
 * like `a.c` see the `a` that `a.b` brought into existence.
 */
function applyChild(child: UpdateNode, field: string, here: { element: Element }, cursor: Cursor, run: Run): void {
  const takenBefore = cursor.pathTaken.length;
  const existing = cursor.pathToCreate.length === 0 ? childOf(here.element, field) : undefined;
  if (existing) cursor.pathTaken.push(field);
  else cursor.pathToCreate.push(field);

  applyNode(child, existing ?? here.element, cursor, run);

  if (cursor.pathToCreate.length > 0) cursor.pathToCreate.pop();
  else cursor.pathTaken.pop();

  if (cursor.pathTaken.length > takenBefore) {
    for (let i = takenBefore; i < cursor.pathTaken.length; i++) {
      here.element = childOf(here.element, cursor.pathTaken[i]) as Element;
    }
  } else if (cursor.pathToCreate.length > 0 && childOf(here.element, cursor.pathToCreate[0])) {
    for (const part of cursor.pathToCreate) {
      here.element = childOf(here.element, part) as Element;
      cursor.pathTaken.push(part);
    }
    cursor.pathToCreate.length = 0;
  }
}

function applyArrayNode(node: ArrayNode, element: Element, cursor: Cursor, run: Run): void {
  if (cursor.pathToCreate.length > 0) {
    const path = [...cursor.pathTaken, ...cursor.pathToCreate].join(".");
    throw badValue(`The path '${path}' must exist in the document in order to apply array updates.`);
  }
  const array = element.value;
  if (!Array.isArray(array)) {
    throw badValue(`Cannot apply array updates to non-array element ${describeElement(element)}`);
  }
  const children = sortedChildren(node);
  // Filters see the array as it was before any of its elements is updated.
  const matches = array.map((item) =>
    children.filter(([identifier]) => identifier === "" || (node.filters.get(identifier) as (e: unknown) => boolean)(item)),
  );
  matches.forEach((updates, index) => {
    if (updates.length === 0) return;
    cursor.pathTaken.push(String(index));
    let merged = updates[0][1];
    for (const [, next] of updates.slice(1)) merged = mergeNodes(merged, next, cursor.pathTaken);
    applyNode(merged, { value: array[index], parent: array, key: index }, cursor, run);
    cursor.pathTaken.pop();
  });
}

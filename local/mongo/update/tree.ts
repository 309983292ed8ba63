/**
 * Parsing an operator update into the server's update tree (UpdateDriver::parse and
 * UpdateObjectNode::parseAndMerge): one leaf per `operator: {path: argument}`, internal nodes
 * along each path, array nodes where a path continues with `$[]` or `$[<id>]`. Conflicting
 * paths, unknown identifiers and unused array filters are reported here, before any document
 * is touched, with the server's codes and messages.
 */
import { bsonTypeOf, isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes, badValue, failedToParse } from "../errors.ts";
import { compileFilter, type QueryOptions } from "../query.ts";
import { formatDocument, formatElement } from "./format.ts";
import { makeLeaf, OPERATORS, PLACEHOLDER, type LeafEnv } from "./operators.ts";
import { isArrayFilterPart, isPositionalPart, parseUpdatePath } from "./paths.ts";
import type { ArrayNode, ObjectNode, UpdateNode } from "./types.ts";

export type ArrayFilters = Map<string, (element: unknown) => boolean>;

export interface ParsedUpdate {
  root: ObjectNode;
  /** Whether some path uses `$`, so the query's matched array index is needed. */
  positional: boolean;
}

const objectNode = (): ObjectNode => ({ type: "object", children: new Map() });

/** True for a replacement document: the first field decides, as in the server's classic parser. */
export function isReplacement(update: Record<string, unknown>): boolean {
  const keys = Object.keys(update);
  if (keys.length === 0 || !keys[0].startsWith("$")) return true;
  const plain = keys.find((key) => !key.startsWith("$"));
  if (plain !== undefined) throw unknownModifier(plain);
  return false;
}

const unknownModifier = (name: string): CommandError =>
  failedToParse(`Unknown modifier: ${name}. Expected a valid update modifier or pipeline-style update specified as an array`);

/** ParsedUpdate::parseArrayFilters: one predicate per identifier, applied to `{<id>: element}`. */
export function parseArrayFilters(filters: Record<string, unknown>[] | undefined, options: QueryOptions): ArrayFilters {
  const parsed: ArrayFilters = new Map();
  for (const filter of filters ?? []) {
    if (!isPlainObject(filter)) throw new CommandError(ErrorCodes.TypeMismatch, "Each array filter must be an object");
    let predicate: (doc: Record<string, unknown>) => boolean;
    try {
      predicate = compileFilter(filter, options);
    } catch (error) {
      if (error instanceof CommandError) {
        throw new CommandError(error.code, `Error parsing array filter :: caused by :: ${error.message}`);
      }
      throw error;
    }
    const identifiers = topLevelNames(filter);
    if (identifiers.length > 1) {
      throw failedToParse(
        `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${identifiers[0]}' ` +
          `and '${identifiers[1]}'`,
      );
    }
    const identifier = identifiers[0];
    if (identifier === undefined) {
      throw failedToParse("Cannot use an expression without a top-level field name in arrayFilters");
    }
    if (!/^[a-z][a-zA-Z0-9]*$/.test(identifier)) {
      throw badValue(
        "Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string " +
          `beginning with a lowercase letter, found '${identifier}'`,
      );
    }
    if (parsed.has(identifier)) {
      throw failedToParse(`Found multiple array filters with the same top-level field name ${identifier}`);
    }
    parsed.set(identifier, (element) => predicate({ [identifier]: element }));
  }
  return parsed;
}

/** The distinct first path components a filter constrains, looking through $and/$or/$nor. */
function topLevelNames(filter: Record<string, unknown>, names: string[] = []): string[] {
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (Array.isArray(value)) for (const clause of value) if (isPlainObject(clause)) topLevelNames(clause, names);
    } else if (!key.startsWith("$")) {
      const name = key.split(".")[0];
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

export function parseUpdate(update: Record<string, unknown>, filters: ArrayFilters, env: LeafEnv): ParsedUpdate {
  const root = objectNode();
  const usedIdentifiers = new Set<string>();
  let positional = false;
  for (const [operator, fields] of Object.entries(update)) {
    if (!OPERATORS.has(operator)) throw unknownModifier(operator);
    if (!isPlainObject(fields)) {
      throw failedToParse(
        `Modifiers operate on fields but we found type ${bsonTypeOf(fields)} instead. For example: ` +
          `{$mod: {<field>: ...}} not {${formatElement(operator, fields)}}`,
      );
    }
    // Since 5.0 an empty operand ({$set: {}}) is accepted and changes nothing.
    for (const [field, argument] of Object.entries(fields)) {
      if (parseAndMerge(root, operator, field, argument, filters, usedIdentifiers, env)) positional = true;
    }
  }
  for (const identifier of [...filters.keys()].sort()) {
    if (!usedIdentifiers.has(identifier)) {
      throw failedToParse(
        `The array filter for identifier '${identifier}' was not used in the update ${formatDocument(update)}`,
      );
    }
  }
  return { root, positional };
}

function parseAndMerge(
  root: ObjectNode,
  operator: string,
  field: string,
  argument: unknown,
  filters: ArrayFilters,
  usedIdentifiers: Set<string>,
  env: LeafEnv,
): boolean {
  let path = field;
  if (operator === "$rename") {
    // The source path gets a placeholder so other updates of it conflict; the leaf goes at the target.
    parseAndMerge(root, PLACEHOLDER, field, argument, filters, usedIdentifiers, env);
    if (typeof argument !== "string") {
      throw badValue(`The 'to' field for $rename must be a string: ${formatElement(field, argument)}`);
    }
    path = argument;
  }
  const parts = parseUpdatePath(path);
  const leaf = makeLeaf(operator, field, argument, env);

  const childName = (index: number): string => {
    const part = parts[index];
    if (!isArrayFilterPart(part)) return part;
    if (index === 0) {
      throw badValue(`Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in path '${path}'`);
    }
    const identifier = part.slice(2, -1);
    if (identifier !== "" && !filters.has(identifier)) {
      throw badValue(`No array filter found for identifier '${identifier}' in path '${path}'`);
    }
    if (identifier !== "") usedIdentifiers.add(identifier);
    return identifier;
  };

  let current: ObjectNode | ArrayNode = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const name = childName(i);
    const wantArray = isArrayFilterPart(parts[i + 1]);
    let child = getChild(current, name);
    if (child === undefined) {
      child = wantArray ? { type: "array", children: new Map(), filters } : objectNode();
      setChild(current, name, child);
    } else if (child.type !== (wantArray ? "array" : "object")) {
      throw conflict(path, parts.slice(0, i + 1).join("."));
    }
    current = child as ObjectNode | ArrayNode;
  }
  const last = childName(parts.length - 1);
  if (getChild(current, last) !== undefined) throw conflict(path, path);
  setChild(current, last, leaf);
  return parts.some(isPositionalPart);
}

const conflict = (path: string, at: string): CommandError =>
  new CommandError(ErrorCodes.ConflictingUpdateOperators, `Updating the path '${path}' would create a conflict at '${at}'`);

function getChild(node: ObjectNode | ArrayNode, name: string): UpdateNode | undefined {
  if (node.type === "object" && isPositionalPart(name)) return node.positional;
  return node.children.get(name);
}

function setChild(node: ObjectNode | ArrayNode, name: string, child: UpdateNode): void {
  if (node.type === "object" && isPositionalPart(name)) node.positional = child;
  else node.children.set(name, child);
}

/**
 * UpdateNode::createUpdateNodeByMerging, for updates that meet at run time: `a.$` with `a.0`
 * when the query matched index 0, or two array filters matching the same element. Internal
 * nodes combine; two leaves on one element are a conflict.
 */
export function mergeNodes(left: UpdateNode, right: UpdateNode, path: string[]): UpdateNode {
  if (left.type === "object" && right.type === "object") {
    const merged = objectNode();
    merged.children = mergeChildren(left.children, right.children, path, (name) => name);
    const positional = mergeOptional(left.positional, right.positional, [...path, "$"]);
    if (positional) merged.positional = positional;
    return merged;
  }
  if (left.type === "array" && right.type === "array") {
    return { type: "array", filters: left.filters, children: mergeChildren(left.children, right.children, path, (id) => `$[${id}]`) };
  }
  throw new CommandError(ErrorCodes.ConflictingUpdateOperators, `Update created a conflict at '${path.join(".")}'`);
}

function mergeChildren(
  left: Map<string, UpdateNode>,
  right: Map<string, UpdateNode>,
  path: string[],
  display: (name: string) => string,
): Map<string, UpdateNode> {
  const merged = new Map<string, UpdateNode>();
  for (const name of new Set([...left.keys(), ...right.keys()])) {
    merged.set(name, mergeOptional(left.get(name), right.get(name), [...path, display(name)]) as UpdateNode);
  }
  return merged;
}

function mergeOptional(left: UpdateNode | undefined, right: UpdateNode | undefined, path: string[]): UpdateNode | undefined {
  if (!left) return right;
  if (!right) return left;
  return mergeNodes(left, right, path);
}

/**
 * The document an upsert starts from (UpdateDriver::populateDocumentWithQueryFields): every
 * equality the query pins down, at the top level or under `$and` (a one-clause `$or`, a
 * one-element `$in` and each `$all` member count as equalities, as the server's query
 * canonicalization makes them). Regexes, ranges and negations contribute nothing.
 */
import { bsonTypeOf, isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { cloneValue, setOwn } from "./paths.ts";
import type { Doc } from "./types.ts";

export function seedUpsertDocument(query: Record<string, unknown>): Record<string, unknown> {
  const equalities: [string, unknown][] = [];
  collectEqualities(query, equalities);
  // The canonical query orders predicates by path, so a parent is always seen before its children.
  equalities.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const seen = new Set<string>();
  for (const [path] of equalities) {
    const parts = path.split(".");
    for (let length = parts.length; length >= 1; length--) {
      const prefix = parts.slice(0, length).join(".");
      if (!seen.has(prefix)) continue;
      const detail = length === parts.length
        ? `path '${path}' is matched twice`
        : `both paths '${path}' and '${prefix}' are matched`;
      throw new CommandError(ErrorCodes.NotSingleValueField, `cannot infer query fields to set, ${detail}`);
    }
    seen.add(path);
  }
  const doc: Doc = {};
  for (const [path, value] of equalities) setAtPath(doc, path.split("."), cloneValue(value));
  if (!Object.hasOwn(doc, "_id")) return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

const isRegex = (value: unknown): boolean => bsonTypeOf(value) === "regex";

/** A `{$op: …}` condition rather than a literal document (DBRef-shaped documents are literals). */
function isOperatorDocument(value: unknown): value is Doc {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys[0].startsWith("$") && !(keys.includes("$ref") && keys.includes("$id"));
}

function collectEqualities(query: Doc, out: [string, unknown][]): void {
  for (const [key, value] of Object.entries(query)) {
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(value) || (key === "$or" && value.length !== 1)) continue;
      for (const clause of value) if (isPlainObject(clause)) collectEqualities(clause, out);
    } else if (key.startsWith("$")) {
      continue;
    } else if (isOperatorDocument(value)) {
      for (const [operator, argument] of Object.entries(value)) {
        if (operator === "$eq") out.push([key, argument]);
        else if (operator === "$in" && Array.isArray(argument) && argument.length === 1 && !isRegex(argument[0])) {
          out.push([key, argument[0]]);
        } else if (operator === "$all" && Array.isArray(argument)) {
          for (const item of argument) {
            if (!isRegex(item) && !isOperatorDocument(item)) out.push([key, item]);
          }
        }
      }
    } else if (!isRegex(value)) {
      out.push([key, value]);
    }
  }
}

function setAtPath(doc: Doc, parts: string[], value: unknown): void {
  let current = doc;
  for (const part of parts.slice(0, -1)) {
    const next = Object.hasOwn(current, part) ? current[part] : undefined;
    if (!isPlainObject(next)) setOwn(current, part, {});
    current = current[part] as Doc;
  }
  setOwn(current, parts[parts.length - 1], value);
}

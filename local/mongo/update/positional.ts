/**
 * The array index the positional `$` stands for: the server records it while the query matches
 * the document (MatchDetails' elemMatchKey). Each equality-like condition that reaches into an
 * array records the first element it matched, and the last such condition wins, since the
 * server's $and lets every child overwrite the key. `$or` (unless it has a single clause) and
 * negations do not record one.
 */
import { isPlainObject } from "../bson-values.ts";
import { compileFilter, type QueryOptions } from "../query.ts";
import { arrayIndexOf } from "./paths.ts";

const NON_RECORDING = new Set(["$ne", "$nin", "$not", "$exists", "$size"]);

export function matchedArrayIndex(
  query: Record<string, unknown>,
  doc: Record<string, unknown>,
  options: QueryOptions | undefined,
): string | undefined {
  let matched: string | undefined;
  for (const [path, condition] of conditionsOf(query)) {
    const recording = recordingPart(condition);
    if (recording === undefined) continue;
    const index = firstMatchingIndex(doc, path.split("."), recording, options ?? {});
    if (index !== undefined) matched = String(index);
  }
  return matched;
}

function conditionsOf(query: Record<string, unknown>, out: [string, unknown][] = []): [string, unknown][] {
  for (const [key, value] of Object.entries(query)) {
    if (key === "$and" || (key === "$or" && Array.isArray(value) && value.length === 1)) {
      if (Array.isArray(value)) for (const clause of value) if (isPlainObject(clause)) conditionsOf(clause, out);
    } else if (key.startsWith("$")) {
      continue;
    } else if (isPlainObject(value) && Array.isArray(value.$all)) {
      // $all is one equality (or $elemMatch) per member, each recording its own index.
      const { $all: members, ...rest } = value;
      if (Object.keys(rest).length > 0) out.push([key, rest]);
      for (const member of members as unknown[]) out.push([key, member]);
    } else {
      out.push([key, value]);
    }
  }
  return out;
}

/** The part of a condition that can record an index; undefined when nothing can. */
function recordingPart(condition: unknown): unknown {
  if (!isPlainObject(condition)) return condition;
  const keys = Object.keys(condition);
  if (keys.length === 0 || !keys[0].startsWith("$")) return condition;
  const kept = keys.filter((key) => !NON_RECORDING.has(key));
  if (kept.length === 0) return undefined;
  return Object.fromEntries(kept.map((key) => [key, condition[key]]));
}

/**
 * Follows the path to the first array it crosses (numeric parts index instead of crossing) and
 * returns the first element for which the rest of the condition holds. Each element is tested
 * inside a one-element array so array semantics ($elemMatch, equality with a member) still apply.
 */
function firstMatchingIndex(doc: unknown, parts: string[], condition: unknown, options: QueryOptions): number | undefined {
  let value: unknown = doc;
  for (let i = 0; i <= parts.length; i++) {
    if (Array.isArray(value)) {
      const index = i < parts.length ? arrayIndexOf(parts[i]) : undefined;
      if (index !== undefined) {
        value = value[index];
        continue;
      }
      const rest = parts.slice(i).join(".");
      let predicate: (doc: Record<string, unknown>) => boolean;
      try {
        predicate = compileFilter({ [rest ? `element.${rest}` : "element"]: condition }, options);
      } catch {
        // Conditions that only make sense on whole documents (geo, text) record no index.
        return undefined;
      }
      const found = value.findIndex((element) => predicate({ element: [element] }));
      return found < 0 ? undefined : found;
    }
    if (i === parts.length || !isPlainObject(value) || !Object.hasOwn(value, parts[i])) return undefined;
    value = value[parts[i]];
  }
  return undefined;
}

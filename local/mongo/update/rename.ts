/**
 * `$rename` (the server's RenameNode): a `$set` of the source's value at the target path followed
 * by an `$unset` of the source. The leaf sits at the target path in the update tree; the source
 * is looked up from the document root when it applies.
 */
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes, badValue } from "../errors.ts";
import { formatElement } from "./format.ts";
import { applyModifier, idDescription, type Modifier } from "./modifier.ts";
import { arrayIndexOf, childOf, describe, isArrayFilterPart, isPositionalPart, nameOf, removeElement, replaceValue } from "./paths.ts";
import type { Cursor, Element, LeafNode, Run } from "./types.ts";

const isStrictPrefix = (prefix: string[], path: string[]): boolean =>
  prefix.length < path.length && prefix.every((part, i) => part === path[i]);

const isDynamic = (parts: string[]): boolean => parts.some((part) => isPositionalPart(part) || isArrayFilterPart(part));

export function renameLeaf(from: string, to: string): LeafNode {
  if (to.includes("\0")) throw badValue("The 'to' field for $rename cannot contain an embedded null byte");
  const fromParts = from.split(".");
  const toParts = to.split(".");
  if (from === to) throw badValue(`The source and target field for $rename must differ: ${formatElement(from, to)}`);
  if (isStrictPrefix(fromParts, toParts) || isStrictPrefix(toParts, fromParts)) {
    throw badValue(`The source and target field for $rename must not be on the same path: ${formatElement(from, to)}`);
  }
  if (isDynamic(fromParts)) throw badValue(`The source field for $rename may not be dynamic: ${from}`);
  if (isDynamic(toParts)) throw badValue(`The destination field for $rename may not be dynamic: ${to}`);

  return {
    type: "leaf",
    apply(element: Element, cursor: Cursor, run: Run) {
      const chain = sourceChain(fromParts, run);
      if (!chain) return;
      const source = chain[chain.length - 1];
      rejectArrayAncestor(chain.slice(1, -1), `The source field cannot be an array element, '${from}'`, run);
      const targetChain = pathChain(run, cursor.pathTaken);
      // When the target exists it is replaced, so only its ancestors matter.
      const ancestors = cursor.pathToCreate.length === 0 ? targetChain.slice(1, -1) : targetChain.slice(1);
      rejectArrayAncestor(ancestors, `The destination field cannot be an array element, '${to}'`, run);

      const setSource: Modifier = {
        allowCreation: true,
        allowNonViablePath: false,
        validatesStorage: true,
        updateExisting(target) {
          replaceValue(target, source.value);
          return true;
        },
        valueForNew: () => source.value,
      };
      applyModifier(setSource, element, cursor, run);

      if (fromParts[0] === "_id") {
        throw new CommandError(
          ErrorCodes.ImmutableField,
          `Performing an update on the path '${from}' would modify the immutable field '_id'`,
        );
      }
      removeElement(source);
      run.changed = true;
    },
  };
}

/**
 * pathsupport::findLongestPrefix from the root: the elements down to the source, or undefined
 * when the source does not exist (a no-op). A path that cannot be traversed is an error.
 */
function sourceChain(parts: string[], run: Run): Element[] | undefined {
  const chain: Element[] = [{ value: run.root }];
  for (const part of parts) {
    const current = chain[chain.length - 1];
    const traversable = isPlainObject(current.value) || (Array.isArray(current.value) && arrayIndexOf(part) !== undefined);
    if (!traversable) {
      if (chain.length === 1) return undefined;
      throw new CommandError(
        ErrorCodes.PathNotViable,
        `cannot use the part (${parts[chain.length - 2]} of ${parts.join(".")}) to traverse the element ({${describe(current)}})`,
      );
    }
    const child = childOf(current, part);
    if (!child) return undefined;
    chain.push(child);
  }
  return chain;
}

function pathChain(run: Run, parts: string[]): Element[] {
  const chain: Element[] = [{ value: run.root }];
  for (const part of parts) {
    const child = childOf(chain[chain.length - 1], part);
    if (!child) break;
    chain.push(child);
  }
  return chain;
}

/** Renaming into or out of an array element is refused; the nearest array ancestor is named. */
function rejectArrayAncestor(ancestors: Element[], message: string, run: Run): void {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    if (Array.isArray(ancestors[i].value)) {
      throw badValue(
        `${message} in doc with ${idDescription(run, "no id")} has an array field called '${nameOf(ancestors[i])}'`,
      );
    }
  }
}

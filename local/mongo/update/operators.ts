/**
 * One leaf per update operator. Each factory validates its argument when the update is parsed
 * (the server's `init`), so a bad argument fails before any document is touched, and returns
 * the behaviour for an existing element and for a path that has to be created. The array
 * operators live in array-operators.ts.
 */
import { Timestamp, bsonTypeOf, compareValues, isNumeric, isPlainObject } from "../bson-values.ts";
import type { StringComparer } from "../bson-values.ts";
import { badValue, failedToParse, typeMismatch } from "../errors.ts";
import {
  addToSetModifier, cullingModifier, popModifier, pullAllMatcher, pullMatcher, pushModifier,
} from "./array-operators.ts";
import { debugNumber, formatElement } from "./format.ts";
import { MISSING_ELEMENT, idDescription, modifierLeaf, unreachable, type Modifier } from "./modifier.ts";
import {
  addNums, bitwise, fromSafeNum, identicalNums, multiplyNums, toSafeNum, type BitOperator, type SafeNum,
} from "./numeric.ts";
import { cloneValue, identical, nameOf, removeElement, replaceValue } from "./paths.ts";
import { renameLeaf } from "./rename.ts";
import type { LeafEnv, LeafNode, Run } from "./types.ts";

export type { LeafEnv } from "./types.ts";

export const OPERATORS = new Set([
  "$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename", "$currentDate", "$setOnInsert",
  "$push", "$addToSet", "$pull", "$pullAll", "$pop", "$bit",
]);

/** The leaf $rename leaves at its source path, so other updates to that path conflict. */
export const PLACEHOLDER = "placeholder";

export function makeLeaf(operator: string, field: string, argument: unknown, env: LeafEnv): LeafNode {
  switch (operator) {
    case PLACEHOLDER: return { type: "leaf", apply: () => {} };
    case "$set": return modifierLeaf(setModifier(argument, false));
    case "$setOnInsert": return modifierLeaf(setModifier(argument, true));
    case "$unset": return modifierLeaf(unsetModifier);
    case "$inc":
    case "$mul": return modifierLeaf(arithmeticModifier(operator, field, argument));
    case "$min":
    case "$max": return modifierLeaf(compareModifier(operator, argument, env.strings));
    case "$currentDate": return modifierLeaf(currentDateModifier(argument));
    case "$push": return modifierLeaf(pushModifier(argument, env.strings));
    case "$addToSet": return modifierLeaf(addToSetModifier(argument, env.strings));
    case "$pull": return modifierLeaf(cullingModifier(pullMatcher(argument, env)));
    case "$pullAll": return modifierLeaf(cullingModifier(pullAllMatcher(argument, env.strings)));
    case "$pop": return modifierLeaf(popModifier(field, argument));
    case "$bit": return modifierLeaf(bitModifier(argument));
    case "$rename": return renameLeaf(field, argument as string);
  }
  throw failedToParse(`Unknown modifier: ${operator}`);
}

function setModifier(value: unknown, insertOnly: boolean): Modifier {
  return {
    allowCreation: true,
    allowNonViablePath: false,
    insertOnly,
    validatesStorage: true,
    updateExisting(element) {
      if (identical(element.value, value)) return false;
      replaceValue(element, cloneValue(value));
      return true;
    },
    valueForNew: () => cloneValue(value),
  };
}

const unsetModifier: Modifier = {
  allowCreation: false,
  allowNonViablePath: true,
  validatesStorage: false,
  updateExisting(element) {
    removeElement(element);
    return true;
  },
  valueForNew: unreachable,
};

function arithmeticModifier(operator: "$inc" | "$mul", field: string, argument: unknown): Modifier {
  if (!isNumeric(argument)) {
    const verb = operator === "$inc" ? "increment" : "multiply";
    throw typeMismatch(`Cannot ${verb} with non-numeric argument: {${formatElement(field, argument)}}`);
  }
  const operand = toSafeNum(argument);
  const combine = (value: SafeNum) => (operator === "$inc" ? addNums(operand, value) : multiplyNums(operand, value));
  return {
    allowCreation: true,
    allowNonViablePath: false,
    validatesStorage: true,
    updateExisting(element, _cursor, run) {
      if (!isNumeric(element.value)) {
        throw typeMismatch(
          `Cannot apply ${operator} to a value of non-numeric type. {${idDescription(run, MISSING_ELEMENT)}} ` +
            `has the field '${nameOf(element)}' of non-numeric type ${bsonTypeOf(element.value)}`,
        );
      }
      const original = toSafeNum(element.value);
      const result = combine(original);
      if (result.type === "invalid") {
        throw badValue(
          `Failed to apply ${operator} operations to current value (${debugNumber(element.value)}) ` +
            `for document {${idDescription(run, MISSING_ELEMENT)}}`,
        );
      }
      if (identicalNums(result, original)) return false;
      replaceValue(element, fromSafeNum(result));
      return true;
    },
    // $mul on a missing field stores a zero of the argument's type.
    valueForNew: () => fromSafeNum(operator === "$inc" ? operand : combine({ type: "int", value: 0 })),
  };
}

function compareModifier(operator: "$min" | "$max", value: unknown, strings?: StringComparer): Modifier {
  return {
    allowCreation: true,
    allowNonViablePath: false,
    validatesStorage: true,
    updateExisting(element) {
      const order = compareValues(element.value, value, strings);
      if (order === 0 || (operator === "$max" ? order > 0 : order < 0)) return false;
      replaceValue(element, cloneValue(value));
      return true;
    },
    valueForNew: () => cloneValue(value),
  };
}

let lastTimestampSeconds = 0;
let timestampIncrement = 0;

/** Timestamps come from a logical clock: seconds plus an increment unique within the second. */
function nextTimestamp(now: Date): Timestamp {
  const seconds = Math.max(Math.floor(now.getTime() / 1000), lastTimestampSeconds);
  timestampIncrement = seconds === lastTimestampSeconds ? timestampIncrement + 1 : 1;
  lastTimestampSeconds = seconds;
  return new Timestamp({ t: seconds, i: timestampIncrement });
}

function currentDateModifier(argument: unknown): Modifier {
  let isDate = true;
  if (isPlainObject(argument)) {
    let foundType = false;
    for (const [key, value] of Object.entries(argument)) {
      if (key !== "$type") throw badValue(`Unrecognized $currentDate option: ${key}`);
      if (value === "date" || value === "timestamp") {
        isDate = value === "date";
        foundType = true;
      }
    }
    if (!foundType) {
      throw badValue(
        "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}",
      );
    }
  } else if (typeof argument !== "boolean") {
    throw badValue(
      `${bsonTypeOf(argument)} is not valid type for $currentDate. Please use a boolean ('true') or a $type ` +
        "expression ({$type: 'timestamp/date'}).",
    );
  }
  const make = (run: Run) => (isDate ? new Date(run.now.getTime()) : nextTimestamp(run.now));
  return {
    allowCreation: true,
    allowNonViablePath: false,
    validatesStorage: true,
    updateExisting(element, _cursor, run) {
      replaceValue(element, make(run));
      return true;
    },
    valueForNew: make,
  };
}

const BIT_OPERATORS = new Set<string>(["and", "or", "xor"]);
const BIT_FORMAT = "{$bit: {field: {and/or/xor: #}}";

function bitModifier(argument: unknown): Modifier {
  if (!isPlainObject(argument)) {
    throw badValue(
      `The $bit modifier is not compatible with a ${bsonTypeOf(argument)}. You must pass in an embedded document: ` +
        BIT_FORMAT,
    );
  }
  const operations: [BitOperator, SafeNum][] = Object.entries(argument).map(([name, operand]) => {
    if (!BIT_OPERATORS.has(name)) {
      throw badValue(
        `The $bit modifier only supports 'and', 'or', and 'xor', not '${name}' which is an unknown operator: ` +
          `{${formatElement(name, operand)}}`,
      );
    }
    const type = bsonTypeOf(operand);
    if (type !== "int" && type !== "long") {
      throw badValue(
        `The $bit modifier field must be an Integer(32/64 bit); a '${type}' is not supported here: ` +
          `{${formatElement(name, operand)}}`,
      );
    }
    return [name as BitOperator, toSafeNum(operand)];
  });
  if (operations.length === 0) {
    throw badValue(`You must pass in at least one bitwise operation. The format is: ${BIT_FORMAT}`);
  }
  const applyAll = (start: SafeNum) => operations.reduce((value, [op, operand]) => bitwise(value, operand, op), start);
  return {
    allowCreation: true,
    allowNonViablePath: false,
    validatesStorage: true,
    updateExisting(element, _cursor, run) {
      const type = bsonTypeOf(element.value);
      if (type !== "int" && type !== "long") {
        throw badValue(
          `Cannot apply $bit to a value of non-integral type.${idDescription(run, MISSING_ELEMENT)} ` +
            `has the field ${nameOf(element)} of non-integer type ${type}`,
        );
      }
      const original = toSafeNum(element.value);
      const result = applyAll(original);
      if (identicalNums(result, original)) return false;
      replaceValue(element, fromSafeNum(result));
      return true;
    },
    valueForNew: () => fromSafeNum(applyAll({ type: "int", value: 0 })),
  };
}

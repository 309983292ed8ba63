// BSON type names and numeric values of deserialised values, as the driver hands them over.

/** The numeric value of int32, int64 and double values, whichever JS form the driver gives them. */
export function numericValue(value: unknown): number | bigint | undefined {
  if (typeof value === "number" || typeof value === "bigint") return value;
  if (hasBsonTag(value, "Int32") || hasBsonTag(value, "Double")) return (value as { value: number }).value;
  if (hasBsonTag(value, "Long")) return BigInt((value as { toString(): string }).toString());
  return undefined;
}

/**
 * Whether a value has the named BSON type ($type alias). `anyNumberIsAnyNumericType` mirrors Node's
 * matcher, for which int, long and double all accept a JS number.
 */
export function hasBsonType(value: unknown, name: string, anyNumberIsAnyNumericType: boolean): boolean {
  if (typeof value === "number") {
    if (anyNumberIsAnyNumericType) {
      return name === "double" || name === "number" || ((name === "int" || name === "long") && Number.isInteger(value));
    }
    // The driver promotes int32, int64 and integral doubles alike to a JS number, so an integral
    // number is accepted as any of them; a fractional one can only have been a double.
    if (name === "double" || name === "number") return true;
    if (!Number.isInteger(value)) return false;
    if (name === "int") return value >= -(2 ** 31) && value < 2 ** 31;
    return name === "long" && Number.isSafeInteger(value);
  }
  if (name === "number") return ["int", "long", "double", "decimal"].includes(describeType(value));
  return describeType(value) === name;
}

/** The BSON type name ($type alias) of a deserialised value. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "long";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "double";
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  if (value instanceof RegExp) return "regex";
  if (value instanceof Map) return "object";
  const tag = (value as { _bsontype?: string })._bsontype;
  switch (tag) {
    case undefined: return typeof value === "object" ? "object" : typeof value;
    case "Int32": return "int";
    case "Long": return "long";
    case "Double": return "double";
    case "Decimal128": return "decimal";
    case "ObjectId": return "objectId";
    case "Binary": return "binData";
    case "BSONRegExp": return "regex";
    case "Timestamp": return "timestamp";
    case "MinKey": return "minKey";
    case "MaxKey": return "maxKey";
    case "BSONSymbol": return "symbol";
    case "DBRef": return "object";
    case "Code": return (value as { scope?: unknown }).scope ? "javascriptWithScope" : "javascript";
    default: return tag;
  }
}

export function hasBsonTag(value: unknown, tag: string): boolean {
  return value !== null && typeof value === "object" && (value as { _bsontype?: unknown })._bsontype === tag;
}

/**
 * Reshaping zod object schemas by dotted path, through the wrappers a field may carry
 * (optional, nullable, default): leave out server-managed or secret fields at any depth, and
 * make every field of a patch optional at any depth.
 */
import * as z from "zod";

type Rewrap = (inner: z.ZodType) => z.ZodType;

/** Peels optional/nullable/default wrappers off `schema`; `rewrap` puts them back on a new inner schema. */
export function unwrap(schema: z.ZodType): { inner: z.ZodType; rewrap: Rewrap } {
  if (schema instanceof z.ZodOptional) {
    const { inner, rewrap } = unwrap(schema.unwrap() as z.ZodType);
    return { inner, rewrap: (next) => rewrap(next).optional() };
  }
  if (schema instanceof z.ZodNullable) {
    const { inner, rewrap } = unwrap(schema.unwrap() as z.ZodType);
    return { inner, rewrap: (next) => rewrap(next).nullable() };
  }
  if (schema instanceof z.ZodDefault) {
    const { inner, rewrap } = unwrap(schema.def.innerType as z.ZodType);
    const fallback = schema.def.defaultValue;
    return { inner, rewrap: (next) => rewrap(next).default(fallback as never) };
  }
  return { inner: schema, rewrap: (next) => next };
}

/** `schema` without the fields at `paths` (dotted, at any depth of nested objects). */
export function omitPaths<T extends z.ZodObject>(schema: T, paths: string[]): T {
  if (paths.length === 0) return schema;
  const shape: Record<string, z.ZodType> = { ...schema.shape };
  const nested = new Map<string, string[]>();
  for (const path of paths) {
    const [head, ...rest] = path.split(".");
    if (!(head in shape)) continue;
    if (rest.length === 0) delete shape[head];
    else nested.set(head, [...(nested.get(head) ?? []), rest.join(".")]);
  }
  for (const [head, rest] of nested) {
    if (!(head in shape)) continue;
    const { inner, rewrap } = unwrap(shape[head]);
    if (inner instanceof z.ZodObject) shape[head] = rewrap(omitPaths(inner, rest));
  }
  return withShape(schema, shape);
}

/**
 * A patch schema: every field optional at every depth of nested objects (arrays are replaced
 * whole), and `null` accepted for optional fields to mean "remove it". Defaults are dropped:
 * a patch that leaves a field out must not reset it.
 */
export function deepPartial<T extends z.ZodObject>(schema: T): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    let { inner } = unwrap(field);
    if (inner instanceof z.ZodObject) inner = deepPartial(inner);
    const removable = field instanceof z.ZodOptional || field instanceof z.ZodNullable;
    shape[key] = (removable ? inner.nullable() : inner).optional();
  }
  return withShape(schema, shape);
}

/** A copy of `schema` (strict, loose or stripping, as it was) with another shape. */
function withShape<T extends z.ZodObject>(schema: T, shape: Record<string, z.ZodType>): T {
  const catchall = schema.def.catchall;
  const rebuilt = z.object(shape);
  if (catchall instanceof z.ZodNever) return rebuilt.strict() as unknown as T;
  if (catchall instanceof z.ZodUnknown) return rebuilt.loose() as unknown as T;
  return (catchall ? rebuilt.catchall(catchall) : rebuilt) as unknown as T;
}

/** The field schema at a dotted path (through wrappers and arrays), if any. */
export function fieldAt(schema: z.ZodType, path: string): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const segment of path.split(".")) {
    let { inner } = unwrap(current!);
    while (inner instanceof z.ZodArray) inner = unwrap(inner.element as z.ZodType).inner;
    if (!(inner instanceof z.ZodObject)) return undefined;
    current = (inner.shape as Record<string, z.ZodType>)[segment];
    if (!current) return undefined;
  }
  return current;
}

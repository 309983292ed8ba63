/**
 * List endpoints that take parameters beyond API.md's (`?q=` on agents, `?from=&to=` on call
 * logs): the definition's own list query schema, extended. It stays strict (an unknown parameter
 * is still a 400), OpenAPI still sees one object of query parameters, and the definition's
 * whitelisted filters and sorts are parsed exactly as `listQuerySchema` parses them.
 *
 * @example
 * const query = extendListQuery(agents, { q: z.string().min(1).optional() });
 * query.parse({ q: "support", limit: "5" }); // { limit: 5, sort, filters: {}, q: "support" }
 */
import * as z from "zod";
import type { CollectionDefinition } from "../db/collection.ts";
import { listQuerySchema, type ListQuery } from "../db/list-query.ts";

/** The extended query as the check sees it: `sort` and `cursor` as sent (before defaults). */
export type RawListParams<Extra extends z.ZodRawShape> = z.output<z.ZodObject<Extra>> & { sort?: string; cursor?: string };

export function extendListQuery<Extra extends z.ZodRawShape>(
  definition: CollectionDefinition,
  extra: Extra,
  check?: (query: RawListParams<Extra>, ctx: z.RefinementCtx) => void,
): z.ZodType<ListQuery & z.output<z.ZodObject<Extra>>, Record<string, string>> {
  // listQuerySchema is a strict object piped into the transform that builds the ListQuery.
  const list = listQuerySchema(definition) as unknown as z.ZodPipe<z.ZodObject, z.ZodType<ListQuery>>;
  const names = new Set(Object.keys(extra));
  const params = list.in.extend(extra);
  const checked = check ? params.superRefine((query, ctx) => check(query as RawListParams<Extra>, ctx)) : params;
  return checked.transform((query: Record<string, unknown>) => {
    const own = Object.fromEntries(Object.entries(query).filter(([name]) => names.has(name)));
    const rest = Object.fromEntries(Object.entries(query).filter(([name]) => !names.has(name)));
    return { ...list.out.parse(rest), ...own };
  }) as unknown as z.ZodType<ListQuery & z.output<z.ZodObject<Extra>>, Record<string, string>>;
}

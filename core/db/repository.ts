/**
 * Repositories: the only way handlers reach a collection. Opened for a caller, a repository of an
 * owner-scoped collection sees and changes only that caller's documents (roles the definition
 * lets bypass the rule see all); the owner filter is added here, never left to a handler.
 * Writes are validated as whole stored documents, encrypted fields are encrypted on the way in,
 * and driver errors leave as the platform's errors (409 with the field, 503, …).
 *
 * @example
 * const agents = openRepository(Agents.definition, { caller });
 * const page = await agents.list(query);            // { data, nextCursor }
 * const agent = await agents.update(id, patch);      // merged, validated, updatedAt set
 */
import { ObjectId, type Collection, type Db, type Document, type Filter } from "mongodb";
import * as z from "zod";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { database } from "./client.ts";
import type { CollectionDefinition } from "./collection.ts";
import { decryptPaths, encryptPaths } from "./encryption.ts";
import { withDriverErrors } from "./errors.ts";
import { afterPosition, decodeCursor, encodeCursor, listOrder, type ListQuery } from "./list-query.ts";
import { applyMergePatch } from "./merge-patch.ts";

/** Who is asking: the authenticated user of a request. Jobs and webhooks open without one. */
export interface Caller {
  userId: ObjectId;
  role: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Concurrent updates of one document are retried this often before answering 409. */
const UPDATE_ATTEMPTS = 3;

export function openRepository<D extends CollectionDefinition, T extends Document = z.output<D["stored"]>>(
  definition: D,
  { caller, db = database(definition.system) }: { caller?: Caller; db?: Db } = {},
) {
  const collection = db.collection<T>(definition.name);
  const owner = definition.owner;
  const scoped = owner && caller && !(owner.bypassRoles ?? []).includes(caller.role);
  const scope: Document = scoped ? { [owner.field]: caller.userId } : {};
  const encrypted = definition.encrypted ?? [];
  const context = `${definition.system}.${definition.name}`;
  const byId = (id: ObjectId | string): Document => ({ _id: toObjectId(id), ...scope });

  const validate = (doc: Document): T => {
    const result = definition.stored.safeParse(doc);
    if (!result.success) {
      throw new ValidationError(result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })));
    }
    return result.data as T;
  };

  return {
    /** Typed access to the raw collection, for bespoke queries (remember the owner scope). */
    collection: collection as Collection<T>,
    /** The owner filter this repository adds to every query (empty when unscoped). */
    scope,

    async get(id: ObjectId | string): Promise<T> {
      const found = await withDriverErrors(() => collection.findOne(byId(id) as Filter<T>));
      if (!found) throw new NotFoundError(`${definition.name} not found`);
      return found as T;
    },

    async list(query: ListQuery): Promise<Page<T>> {
      const { sort, limit, filters, cursor } = query;
      const position = cursor === undefined ? undefined : decodeCursor(cursor, sort);
      if (cursor !== undefined && !position) throw new BadRequestError("cursor is not valid for this list and sort");
      const clauses = [scope, filters, position ? afterPosition(sort, position) : {}].filter((c) => Object.keys(c).length);
      const filter = clauses.length > 1 ? { $and: clauses } : (clauses[0] ?? {});
      const order = listOrder(definition, sort);
      const docs = await withDriverErrors(() => collection.find(filter as Filter<T>).sort(order).limit(limit + 1).toArray());
      const data = docs.slice(0, limit) as T[];
      return { data, nextCursor: docs.length > limit ? encodeCursor(sort, data[data.length - 1]) : null };
    },

    /** Creates a document from validated input; `set` supplies server-managed fields. */
    async create(input: Document, { set = {} }: { set?: Document } = {}): Promise<T> {
      if (owner && !scoped && set[owner.field] === undefined && caller) set = { ...set, [owner.field]: caller.userId };
      if (owner && scope[owner.field] === undefined && set[owner.field] === undefined) {
        throw new ForbiddenError(`a ${definition.name} document needs an owner`);
      }
      const now = new Date();
      const doc = validate({
        _id: new ObjectId(),
        ...input,
        ...scope,
        ...(definition.timestamps && { createdAt: now, updatedAt: now }),
        ...set,
      });
      await withDriverErrors(() => collection.insertOne(encryptPaths(doc, encrypted, context) as never));
      return doc;
    },

    /** Merges a validated patch into the document and stores the whole, checked again. */
    async update(id: ObjectId | string, patch: Document, { set = {} }: { set?: Document } = {}): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const current = await withDriverErrors(() => collection.findOne(byId(id) as Filter<T>));
        if (!current) throw new NotFoundError(`${definition.name} not found`);
        const plain = decryptPaths(current, encrypted, context, { allowPlaintext: true });
        const next = validate({
          ...applyMergePatch(plain, patch),
          ...set,
          _id: current._id,
          ...scope,
          ...(definition.timestamps && { createdAt: current.createdAt, updatedAt: new Date() }),
        });
        // Replace only the version we read; a concurrent writer makes us read again.
        const guard = definition.timestamps ? { updatedAt: current.updatedAt } : {};
        const result = await withDriverErrors(() => collection.replaceOne({ ...byId(id), ...guard } as Filter<T>, encryptPaths(next, encrypted, context) as never));
        if (result.matchedCount === 1) return next;
        if (attempt >= UPDATE_ATTEMPTS) throw new ConflictError("_id", `${definition.name} changed while it was being updated; retry`);
      }
    },

    async remove(id: ObjectId | string): Promise<void> {
      const result = await withDriverErrors(() => collection.deleteOne(byId(id) as Filter<T>));
      if (result.deletedCount === 0) throw new NotFoundError(`${definition.name} not found`);
    },

    /** A copy of `doc` with its encrypted fields in clear, for the one call that needs them. */
    reveal(doc: T): T {
      return decryptPaths(doc, encrypted, context, { allowPlaintext: true }) as T;
    },
  };
}

export type Repository<D extends CollectionDefinition> = ReturnType<typeof openRepository<D>>;

/** An id the caller sent: a malformed one names no document, so it is simply not found. */
function toObjectId(id: ObjectId | string): ObjectId {
  if (id instanceof ObjectId) return id;
  if (!ObjectId.isValid(id) || !/^[0-9a-fA-F]{24}$/.test(id)) throw new NotFoundError("not found");
  return ObjectId.createFromHexString(id);
}

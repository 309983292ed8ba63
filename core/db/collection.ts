/**
 * `defineCollection`: the one definition of a collection that feeds everything else. From the
 * fields (written once, see `field-types.ts`) come the stored-document schema and TypeScript type,
 * the MongoDB `$jsonSchema` validator, the API's create and patch input schemas, the output codec
 * and the OpenAPI schema; the rest of the definition says where it lives, its indexes, who owns a
 * document, which fields are secret, encrypted or computed, and what a list may filter and sort by.
 *
 * @example
 * export const agents = defineCollection({
 *   system: "ai-calling",
 *   name: "agents",
 *   fields: (t) => ({ _id: t.objectId(), userId: t.objectId(), name: z.string().min(1).max(100), createdAt: t.date(), updatedAt: t.date() }),
 *   owner: { field: "userId" },
 *   indexes: [{ key: { userId: 1, createdAt: -1 } }],
 *   list: { filters: ["name"], sorts: ["createdAt", "name"], defaultSort: "-createdAt" },
 * });
 * export type Agent = z.output<typeof agents.stored>;
 */
import type { Document } from "mongodb";
import * as z from "zod";
import type { SystemSlug } from "../systems.ts";
import { toApiValue, withoutPaths } from "./codec.ts";
import { FIELD_TYPES, type FieldTypes } from "./field-types.ts";
import { toMongoJsonSchema } from "./mongo-json-schema.ts";
import { deepPartial, omitPaths } from "./schema-paths.ts";

export interface IndexDefinition {
  key: Record<string, 1 | -1 | "text" | "2dsphere">;
  name?: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
  /** Text indexes: relative weight of each field, and the language for stemming. */
  weights?: Record<string, number>;
  default_language?: string;
}

export interface OwnerRule {
  /** Top-level field holding the owner's id (an ObjectId). */
  field: string;
  /** Roles that see and change every document, as the system's document allows. */
  bypassRoles?: string[];
}

export interface ListRule {
  /** Fields a list may filter on by equality (`?status=active`). */
  filters?: string[];
  /** Fields a list may sort on (`?sort=-createdAt`). */
  sorts?: string[];
  /** The sort of a list that names none. */
  defaultSort?: string;
}

export interface CollectionOptions<Shape extends z.ZodRawShape> {
  system: SystemSlug;
  /** The MongoDB collection name, exactly as the system's document has it. */
  name: string;
  fields: (t: FieldTypes) => Shape;
  indexes?: IndexDefinition[];
  owner?: OwnerRule;
  /** Dotted paths never shown in a response (password hashes, tokens). */
  secret?: string[];
  /** Dotted paths kept encrypted at rest with AES-256-GCM (also never shown). */
  encrypted?: string[];
  /**
   * Let the validator admit plaintext at the encrypted paths too (we still write ciphertext):
   * for a collection whose documented application stored those fields its own way, so its data
   * stays valid and readable here.
   */
  encryptedAdmitsPlaintext?: boolean;
  /** Dotted paths the server maintains (counters, statistics): refused on input. */
  computed?: string[];
  /** `createdAt`/`updatedAt` maintained by the repository (default true). */
  timestamps?: boolean;
  list?: ListRule;
  validation?: { level?: "strict" | "moderate"; action?: "error" | "warn" };
}

/** Ciphertext of an encrypted field, as `core/db/encryption` writes it. */
export const ENCRYPTED_VALUE = /^enc:v1:/;

export function defineCollection<Shape extends z.ZodRawShape>(options: CollectionOptions<Shape>) {
  const timestamps = options.timestamps ?? true;
  const secret = [...(options.secret ?? []), ...(options.encrypted ?? [])];
  const serverManaged = ["_id", ...(timestamps ? ["createdAt", "updatedAt"] : []), ...(options.owner ? [options.owner.field] : []), ...(options.computed ?? [])];

  // Stored documents keep fields we do not know (Mongoose's `__v`, older apps' extras).
  const stored = z.looseObject(options.fields(FIELD_TYPES.stored));
  const input = z.strictObject(options.fields(FIELD_TYPES.input));
  const createInput = omitPaths(input, serverManaged);
  const output = omitPaths(z.object(options.fields(FIELD_TYPES.output)), secret);

  return {
    ...options,
    timestamps,
    /** Secret and encrypted paths: never in a response. */
    secretPaths: secret,
    serverManagedPaths: serverManaged,
    /** The stored document (BSON types). */
    stored,
    /** What `POST` accepts: ids and dates as strings, server-managed fields refused. */
    createInput,
    /** What `PATCH` accepts: any subset of the create input, `null` removing an optional field. */
    updateInput: deepPartial(createInput),
    /** What a response holds (for OpenAPI). */
    output,
    /** The collection's validator, as `db:sync` applies it. */
    validator: () => ({ $jsonSchema: withEncryptedPaths(toMongoJsonSchema(stored), options.encrypted ?? [], options.encryptedAdmitsPlaintext ?? false) }),
    /** Fields as the API reads them, server-managed ones included (for list filters). */
    inputFields: input,
    /** A stored document as the API shows it (without Mongoose's internal `__v`). */
    toApi: (doc: Record<string, unknown>) => toApiValue(withoutPaths(doc, [...secret, "__v"])) as Record<string, unknown>,
  };
}

export type CollectionDefinition = ReturnType<typeof defineCollection<z.ZodRawShape>>;

type Json = Record<string, unknown>;

/**
 * Encrypted fields hold ciphertext strings, whatever the plaintext's own rules (a `null` stays
 * allowed where the field was nullable). Paths reach through arrays of subdocuments (`items`) and
 * through the branches of nullable or union fields (`anyOf`, `oneOf`, `allOf`).
 */
function withEncryptedPaths(schema: Json, paths: string[], admitsPlaintext: boolean): Json {
  for (const path of paths) replaceAt(schema, path.split("."), admitsPlaintext);
  return schema;
}

function replaceAt(node: Json, segments: string[], admitsPlaintext: boolean): void {
  for (const key of ["anyOf", "oneOf", "allOf"]) for (const branch of (node[key] as Json[] | undefined) ?? []) replaceAt(branch, segments, admitsPlaintext);
  if (isJson(node.items)) replaceAt(node.items, segments, admitsPlaintext);
  const properties = node.properties as Record<string, Json> | undefined;
  const [head, ...rest] = segments;
  if (!properties || !(head in properties)) return;
  if (rest.length > 0) return replaceAt(properties[head], rest, admitsPlaintext);
  properties[head] = { bsonType: admitsNull(properties[head]) ? ["string", "null"] : "string", ...(!admitsPlaintext && { pattern: ENCRYPTED_VALUE.source }) };
}

function admitsNull(schema: Json): boolean {
  const types = [schema.bsonType].flat();
  return types.includes("null") || ((schema.anyOf as Json[] | undefined) ?? []).some(admitsNull);
}

const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** The OpenAPI component schemas of a collection: `AiCallingAgents`, `…Create`, `…Update`. */
export function openApiComponentsOf(definition: CollectionDefinition): Record<string, { schema: z.ZodType; io: "input" | "output" }> {
  const base = `${pascalCase(definition.system)}${pascalCase(definition.name)}`;
  return {
    [base]: { schema: definition.output, io: "output" },
    [`${base}Create`]: { schema: definition.createInput, io: "input" },
    [`${base}Update`]: { schema: definition.updateInput, io: "input" },
  };
}

const pascalCase = (text: string): string => text.split(/[^A-Za-z0-9]+/).filter(Boolean).map((word) => word[0].toUpperCase() + word.slice(1)).join("");

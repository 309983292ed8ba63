import { type Collection, type Db, MongoClient, ReadPreference, type ReadPreferenceMode, type TagSet } from "mongodb";
import { CommandEventRecorder } from "./events.ts";
import type { ClientEntity, CollectionEntity, DatabaseEntity, Document, EntityDescription } from "./format.ts";

export type Entity =
  | { type: "client"; client: MongoClient; recorder?: CommandEventRecorder }
  | { type: "database"; db: Db }
  | { type: "collection"; collection: Collection };

export type EntityType = Entity["type"];

/** Options every client this runner creates gets, on top of the test's own. */
export const RUNNER_CLIENT_OPTIONS = { serverSelectionTimeoutMS: 10_000 } as const;

const CLOSE_TIMEOUT_MS = 5_000;
const CLIENT_KEYS = new Set(["id", "uriOptions", "useMultipleMongoses", "observeEvents", "ignoreCommandMonitoringEvents", "observeSensitiveCommands"]);
const COMMON_OPTION_KEYS = new Set(["readConcern", "readPreference", "writeConcern", "timeoutMS"]);

/** One test's entities ([UTF §Entity Map]); never shared between tests. */
export class EntityMap {
  readonly #entities = new Map<string, Entity>();

  add(id: string, entity: Entity): void {
    if (this.#entities.has(id)) throw new Error(`entity ${id} is defined twice`);
    this.#entities.set(id, entity);
  }

  get<T extends EntityType>(id: string, type: T): Extract<Entity, { type: T }> {
    const entity = this.#entities.get(id);
    if (entity === undefined) throw new Error(`unknown entity ${id}`);
    if (entity.type !== type) throw new Error(`entity ${id} is a ${entity.type}, not a ${type}`);
    return entity as Extract<Entity, { type: T }>;
  }

  typeOf(id: string): EntityType | undefined {
    return this.#entities.get(id)?.type;
  }

  stopCapturingEvents(): void {
    for (const entity of this.#entities.values()) {
      if (entity.type === "client") entity.recorder?.stop();
    }
  }

  async close(): Promise<void> {
    const clients = [...this.#entities.values()].flatMap((entity) => (entity.type === "client" ? [entity.client] : []));
    await Promise.allSettled(clients.map(closeClient));
  }
}

/**
 * Closes a client, giving up after a few seconds: close() ends sessions with a command, which an
 * unresponsive server would otherwise make wait forever.
 */
export async function closeClient(client: MongoClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
  });
  try {
    await Promise.race([client.close().catch(() => undefined), limit]);
  } finally {
    clearTimeout(timer);
  }
}

export async function createEntities(descriptions: readonly EntityDescription[], uri: string, entities: EntityMap): Promise<void> {
  for (const description of descriptions) {
    const types = Object.keys(description);
    if (types.length !== 1) throw new Error(`an entity must have exactly one type, got ${types.join(", ")}`);
    const [type] = types;
    const spec = (description as Record<string, unknown>)[type];
    switch (type) {
      case "client":
        await createClient(spec as ClientEntity, uri, entities);
        break;
      case "database": {
        const { id, client, databaseName, databaseOptions } = spec as DatabaseEntity;
        entities.add(id, { type: "database", db: entities.get(client, "client").client.db(databaseName, convertCommonOptions(databaseOptions)) });
        break;
      }
      case "collection": {
        const { id, database, collectionName, collectionOptions } = spec as CollectionEntity;
        const db = entities.get(database, "database").db;
        entities.add(id, { type: "collection", collection: db.collection(collectionName, convertCommonOptions(collectionOptions)) });
        break;
      }
      default:
        throw new Error(`unsupported entity type ${type}`);
    }
  }
}

async function createClient(spec: ClientEntity, uri: string, entities: EntityMap): Promise<void> {
  const unsupported = Object.keys(spec).filter((key) => !CLIENT_KEYS.has(key));
  if (unsupported.length > 0) throw new Error(`client ${spec.id}: unsupported option ${unsupported.join(", ")}`);
  // useMultipleMongoses only matters on sharded and load-balanced deployments.
  const client = new MongoClient(mergeUriOptions(uri, spec.uriOptions ?? {}), { ...RUNNER_CLIENT_OPTIONS, monitorCommands: true });
  const recorder = spec.observeEvents
    ? new CommandEventRecorder(client, {
      observeEvents: spec.observeEvents,
      ignoreCommandMonitoringEvents: spec.ignoreCommandMonitoringEvents,
      observeSensitiveCommands: spec.observeSensitiveCommands,
    })
    : undefined;
  entities.add(spec.id, { type: "client", client, recorder });
  await client.connect();
}

/** Adds `uriOptions` to a connection string, replacing options of the same (case-insensitive) name. */
export function mergeUriOptions(uri: string, options: Document): string {
  const queryStart = uri.indexOf("?");
  const base = queryStart === -1 ? uri : uri.slice(0, queryStart);
  const params = new URLSearchParams(queryStart === -1 ? "" : uri.slice(queryStart + 1));
  for (const [name, value] of Object.entries(options)) {
    if (value !== null && typeof value === "object" && "$$placeholder" in value) {
      throw new Error(`uriOptions.${name}: $$placeholder values are not supported`);
    }
    for (const existing of [...params.keys()]) {
      if (existing.toLowerCase() === name.toLowerCase()) params.delete(existing);
    }
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, formatUriValue(item));
  }
  const query = params.toString();
  if (query === "") return base;
  // A connection string needs the "/" before its options, even without a database name.
  const hasPath = /^[a-z+]+:\/\/[^/]*\//i.test(base);
  return `${base}${hasPath ? "" : "/"}?${query}`;
}

function formatUriValue(value: unknown): string {
  if (value !== null && typeof value === "object") {
    return Object.entries(value).map(([key, item]) => `${key}:${String(item)}`).join(",");
  }
  return String(value);
}

/** Turns collectionOrDatabaseOptions ([UTF §Common Options]) into driver options. */
export function convertCommonOptions(options: Document | undefined): Document {
  if (options === undefined) return {};
  const converted: Document = {};
  for (const [key, value] of Object.entries(options)) {
    if (!COMMON_OPTION_KEYS.has(key)) throw new Error(`unsupported option ${key}`);
    converted[key] = key === "readPreference" ? convertReadPreference(value as Document) : value;
  }
  return converted;
}

function convertReadPreference({ mode, tagSets, maxStalenessSeconds, hedge }: Document): ReadPreference {
  const options: Document = {};
  if (maxStalenessSeconds !== undefined) options.maxStalenessSeconds = maxStalenessSeconds;
  if (hedge !== undefined) options.hedge = hedge;
  return new ReadPreference(String(mode) as ReadPreferenceMode, tagSets as TagSet[] | undefined, options);
}

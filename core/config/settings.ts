/**
 * Every setting the platform reads, in one catalogue: its environment variable, the SST link it
 * comes from in AWS, whether it is a secret, and the zod schema that parses it. The README's
 * configuration table, the SST secrets (`stacks/`) and `core/config` all read this list.
 *
 * Settings are grouped in sections; a function parses only the sections it uses, so a Lambda is
 * linked to (and fails on) exactly the secrets it needs.
 */
import * as z from "zod";
import { isSystemSlug } from "../systems.ts";

export interface Setting {
  /** The environment variable (standard names where a convention exists). */
  env: string;
  /** In AWS: the SST link it is read from, and the property holding the value. */
  link?: { name: string; property: "value" | "name" };
  secret: boolean;
  description: string;
  schema: z.ZodType;
  /** The default as one would write it, where the parsed default is not a plain value. */
  defaultText?: string;
}

const url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const commaList = z.string().transform((text) => text.split(",").map((item) => item.trim()).filter(Boolean));
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)");
const jwtSecret = z.string().min(32, "must be at least 32 characters");
/** `kid:base64key` pairs; each key decodes to 32 bytes (AES-256). The first one encrypts. */
const encryptionKeys = commaList.pipe(
  z.array(
    z.string().regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/, "must be kid:base64 pairs, each key 32 bytes in base64"),
  ).min(1, "needs at least one kid:base64key pair"),
);

/** `30` or `30,car-sales=90,delauto=14`: days, then per-system overrides. */
const retentionDays = commaList.transform((parts, context) => {
  const days = (text: string) => (/^\d{1,4}$/.test(text) && Number(text) >= 1 ? Number(text) : undefined);
  const [first, ...overrides] = parts;
  const fallback = first === undefined ? undefined : days(first);
  const bySystem: Record<string, number> = {};
  for (const override of overrides) {
    const [system, value] = override.split("=");
    const parsed = value === undefined ? undefined : days(value.trim());
    if (!system?.trim() || !isSystemSlug(system.trim()) || parsed === undefined) {
      context.addIssue({ code: "custom", message: `must be days, then system=days pairs (got "${override}")` });
      return z.NEVER;
    }
    bySystem[system.trim()] = parsed;
  }
  if (fallback === undefined) {
    context.addIssue({ code: "custom", message: "must start with a number of days (1 or more)" });
    return z.NEVER;
  }
  return { default: fallback, bySystem };
});

const secret = <T extends z.ZodType>(env: string, description: string, schema: T) => ({
  env, description, schema, secret: true, link: { name: pascalCase(env), property: "value" as const },
});
const plain = <T extends z.ZodType>(env: string, description: string, schema: T) => ({ env, description, schema, secret: false });

export const SETTINGS = {
  server: {
    port: plain("PORT", "Port of the local HTTP server", z.coerce.number().int().min(0).max(65535).default(3000)),
    corsOrigins: plain("CORS_ORIGINS", "Origins allowed by CORS, comma-separated (`*` for any)", commaList.default(["*"])),
    logLevel: plain("LOG_LEVEL", "debug, info, warn or error", z.enum(["debug", "info", "warn", "error"]).default("info")),
    publicBaseUrl: plain("PUBLIC_BASE_URL", "Base URL providers call back (webhooks); the API URL in AWS", url.optional()),
  },
  mongo: {
    uri: secret("MONGODB_URI", "MongoDB connection string (Atlas in production)", z.string().regex(/^mongodb(\+srv)?:\/\/\S+$/, "must be a mongodb:// or mongodb+srv:// URI")),
    maxPoolSize: plain("MONGODB_MAX_POOL_SIZE", "Connections per container (Lambda serves one request at a time)", z.coerce.number().int().min(1).max(100).default(5)),
    databasePrefix: plain("MONGODB_DATABASE_PREFIX", "Prefix for every system database name (keeps tests and previews apart)", z.string().regex(/^[A-Za-z0-9_-]*$/, "may only hold letters, digits, _ and -").default("")),
  },
  jwt: {
    accessSecret: secret("JWT_ACCESS_SECRET", "Signs access tokens", jwtSecret),
    refreshSecret: secret("JWT_REFRESH_SECRET", "Signs refresh tokens", jwtSecret),
    previousSecrets: secret("JWT_PREVIOUS_SECRETS", "Retired signing secrets still accepted for verification, comma-separated", commaList.pipe(z.array(jwtSecret)).default([])),
  },
  redis: {
    url: secret("UPSTASH_REDIS_REST_URL", "Upstash Redis REST URL", url),
    token: secret("UPSTASH_REDIS_REST_TOKEN", "Upstash Redis REST token", z.string().min(1)),
  },
  storage: {
    region: plain("AWS_REGION", "AWS region (set by Lambda)", z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region like eu-west-1").default("us-east-1")),
    endpoint: plain("AWS_ENDPOINT_URL_S3", "S3-compatible endpoint override (path-style addressing when set)", url.optional()),
    recordingsBucket: { ...plain("RECORDINGS_BUCKET", "Bucket of call recordings", bucketName), link: { name: "Recordings", property: "name" as const } },
    backupsBucket: { ...plain("BACKUPS_BUCKET", "Bucket of database backups", bucketName), link: { name: "Backups", property: "name" as const } },
  },
  encryption: {
    fieldKeys: secret("FIELD_ENCRYPTION_KEYS", "AES-256-GCM keys for encrypted fields: kid:base64key, comma-separated, first encrypts", encryptionKeys),
  },
  twilio: {
    accountSid: secret("TWILIO_ACCOUNT_SID", "Twilio account SID", z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be AC followed by 32 hex digits")),
    authToken: secret("TWILIO_AUTH_TOKEN", "Twilio auth token (signs webhooks)", z.string().min(16)),
    apiBaseUrl: plain("TWILIO_API_BASE_URL", "Twilio REST API base URL", url.default("https://api.twilio.com")),
  },
  backup: {
    encryptionKeys: secret("BACKUP_ENCRYPTION_KEYS", "AES-256-GCM keys sealing backups: kid:base64key, comma-separated, first encrypts; unset, backups are not encrypted", encryptionKeys.optional()),
    retentionDays: { ...plain("BACKUP_RETENTION_DAYS", "Days complete backups are kept (the newest always is): a number, then per-system overrides, e.g. `30,car-sales=90`", retentionDays.default({ default: 30, bySystem: {} })), defaultText: "30" },
  },
  admin: {
    email: plain("ADMIN_EMAIL", "AI Calling: the first admin, created by db:sync when the system has no admin yet", z.email({ error: "must be an email address" }).optional()),
    password: secret("ADMIN_PASSWORD", "AI Calling: that first admin's password (at least 8 characters)", z.string().min(8, "must be at least 8 characters").optional()),
  },
  exotel: {
    apiBaseUrl: plain("EXOTEL_API_BASE_URL", "Exotel API base URL (accounts' own credentials are stored encrypted per user)", url.default("https://api.exotel.com")),
    callbackSecret: secret("EXOTEL_CALLBACK_SECRET", "Derives the per-call and per-account secrets in Exotel callback URLs (Exotel signs nothing)", z.string().min(32, "must be at least 32 characters")),
  },
  meta: {
    appSecret: secret("META_APP_SECRET", "Meta app secret (X-Hub-Signature-256)", z.string().min(16)),
    verifyToken: secret("META_VERIFY_TOKEN", "Token Meta echoes when subscribing a webhook", z.string().min(8)),
    graphBaseUrl: plain("META_GRAPH_BASE_URL", "Meta Graph API base URL", url.default("https://graph.facebook.com")),
  },
  ai: {
    openaiApiKey: secret("OPENAI_API_KEY", "OpenAI API key", z.string().min(1)),
    openaiBaseUrl: plain("OPENAI_BASE_URL", "OpenAI API base URL", url.default("https://api.openai.com/v1")),
  },
} as const satisfies Record<string, Record<string, Setting>>;

export type SectionName = keyof typeof SETTINGS;

function pascalCase(env: string): string {
  return env.toLowerCase().split("_").map((part) => part[0].toUpperCase() + part.slice(1)).join("");
}

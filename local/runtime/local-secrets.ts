/**
 * Development-only secrets for `npm start`: generated randomly on first start and kept in
 * `.data/local-secrets.json`, so tokens and encrypted fields survive a restart. Never used when
 * a real value is configured, never committed (`.data/` is ignored).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const generators: Record<string, () => string> = {
  JWT_ACCESS_SECRET: () => randomBytes(48).toString("base64url"),
  JWT_REFRESH_SECRET: () => randomBytes(48).toString("base64url"),
  FIELD_ENCRYPTION_KEYS: () => `local1:${randomBytes(32).toString("base64")}`,
  UPSTASH_REDIS_REST_TOKEN: () => randomBytes(24).toString("base64url"),
  META_APP_SECRET: () => randomBytes(24).toString("hex"),
  META_VERIFY_TOKEN: () => randomBytes(12).toString("hex"),
  TWILIO_ACCOUNT_SID: () => `AC${randomBytes(16).toString("hex")}`,
  TWILIO_AUTH_TOKEN: () => randomBytes(16).toString("hex"),
  EXOTEL_CALLBACK_SECRET: () => randomBytes(32).toString("base64url"),
};

export function loadLocalSecrets(dataDir: string): Record<string, string> {
  const file = join(dataDir, "local-secrets.json");
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  let changed = false;
  for (const [name, generate] of Object.entries(generators)) {
    if (stored[name]) continue;
    stored[name] = generate();
    changed = true;
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return stored;
}

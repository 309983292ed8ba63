/**
 * Signing keys for HS256 tokens, named by a key id (`kid`) derived from the secret itself. The
 * first secret signs; every secret verifies. Rotating is then a configuration change: the new
 * secret becomes `JWT_ACCESS_SECRET`, the old one moves to `JWT_PREVIOUS_SECRETS`, and tokens
 * signed before the change keep working until they expire.
 *
 * @example
 * const keys = createKeyring([config("jwt").accessSecret, ...config("jwt").previousSecrets]);
 * const { kid, key } = keys.signing;      // header kid, HMAC key
 * const old = keys.find(header.kid);      // undefined for an unknown kid
 */
import { createHash } from "node:crypto";

export interface SigningKey {
  /** Short, stable name of the secret: 12 base64url characters of its SHA-256. */
  kid: string;
  key: Uint8Array;
}

export interface Keyring {
  /** The key new tokens are signed with. */
  signing: SigningKey;
  /** The key named `kid`, or undefined when no configured secret has that id. */
  find(kid: string | undefined): SigningKey | undefined;
}

/**
 * The key id of a secret. A hash prefix, not the secret: 72 bits of a digest of a ≥32-character
 * secret tell an attacker nothing usable, and the id changes exactly when the secret does.
 * The prefix "kid:" keeps this digest distinct from any other use of a plain SHA-256 of the secret.
 * @example
 * keyId("a-32-character-or-longer-secret-value") // "Xb3…" (12 characters)
 */
export function keyId(secret: string): string {
  return createHash("sha256").update(`kid:${secret}`).digest("base64url").slice(0, 12);
}

/**
 * A keyring from secrets, newest first. Duplicates are dropped (a secret listed both as current and
 * previous during a rotation is harmless).
 * @example
 * const keys = createKeyring(["current-secret-…", "retired-secret-…"]);
 */
export function createKeyring(secrets: readonly string[]): Keyring {
  if (secrets.length === 0) throw new Error("a keyring needs at least one secret");
  const keys = new Map<string, SigningKey>();
  for (const secret of secrets) {
    const kid = keyId(secret);
    if (!keys.has(kid)) keys.set(kid, { kid, key: new TextEncoder().encode(secret) });
  }
  const signing = keys.get(keyId(secrets[0]))!;
  return {
    signing,
    find: (kid) => (kid === undefined ? undefined : keys.get(kid)),
  };
}

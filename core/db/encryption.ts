/**
 * Field encryption at rest (provider tokens, third-party API keys): AES-256-GCM with keys from
 * `FIELD_ENCRYPTION_KEYS`. The first key encrypts and every listed key decrypts, so a key is
 * rotated by putting a new one first, re-encrypting (see `needsReencryption`), then dropping the
 * old one. A ciphertext is a string,
 *
 *   enc:v1:<kid>:<iv base64url>:<tag base64url>:<ciphertext base64url>
 *
 * bound to its place by the additional authenticated data: a context such as
 * `ai-calling.users.exotelConfig.apiToken`, so a value copied to another field or collection
 * does not decrypt there.
 *
 * @example
 * const stored = encryptPaths(user, ["exotelConfig.apiToken"], "ai-calling.users");
 * const user = decryptPaths(stored, ["exotelConfig.apiToken"], "ai-calling.users", { allowPlaintext: true });
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { config, ConfigError } from "../config/index.ts";
import { InternalError } from "../errors.ts";
import { ENCRYPTED_VALUE } from "./collection.ts";

export interface DecryptOptions {
  /**
   * Return a value that is not ciphertext as it is (whatever its type): documents written by the
   * documented Mongoose apps, before encryption, hold their secrets in clear. Off by default.
   */
  allowPlaintext?: boolean;
}

export interface FieldCipher {
  encryptValue(plaintext: string, context: string): string;
  decryptValue(value: string, context: string, options?: DecryptOptions): string;
  /** Whether `value` is ciphertext under a key other than the current one, or a plaintext string. */
  needsReencryption(value: unknown): boolean;
  encryptPaths<T extends object>(doc: T, paths: readonly string[], contextPrefix: string): T;
  decryptPaths<T extends object>(doc: T, paths: readonly string[], contextPrefix: string, options?: DecryptOptions): T;
}

const PREFIX = "enc:v1:";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SETTING = "FIELD_ENCRYPTION_KEYS";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Whether `value` is a field ciphertext (by its prefix; decrypting is what proves it genuine). */
export const isEncrypted = (value: unknown): value is string => typeof value === "string" && ENCRYPTED_VALUE.test(value);

/**
 * A cipher over `keys` (`kid:base64key`, the first one encrypting). The module's own functions
 * use the configured keys; tests and key-rotation tooling build their own.
 *
 * @example
 * const cipher = createFieldCipher([`k2:${newKey}`, `k1:${oldKey}`]);
 * if (cipher.needsReencryption(token)) token = cipher.encryptValue(cipher.decryptValue(token, context), context);
 */
export function createFieldCipher(keys: readonly string[]): FieldCipher {
  const keyring = parseKeys(keys);
  const [currentKid, currentKey] = [...keyring][0];

  function encryptValue(plaintext: string, context: string): string {
    if (typeof plaintext !== "string") throw new TypeError(`Only strings are encrypted (got ${plaintext === null ? "null" : typeof plaintext} for ${context})`);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", currentKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${PREFIX}${currentKid}:${iv.toString("base64url")}:${cipher.getAuthTag().toString("base64url")}:${ciphertext.toString("base64url")}`;
  }

  function decryptValue(value: string, context: string, options: DecryptOptions = {}): string {
    if (!isEncrypted(value)) {
      if (options.allowPlaintext) return value;
      throw new InternalError(`The value of ${context} is not encrypted`);
    }
    const [kid, iv, tag, ciphertext] = parts(value, context);
    const key = keyring.get(kid);
    if (!key) throw new InternalError(`The value of ${context} was encrypted with key "${kid}", which ${SETTING} does not hold`);
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch (cause) {
      throw new InternalError(`The value of ${context} does not decrypt: altered, or encrypted for another field`, { cause });
    }
  }

  return {
    encryptValue,
    decryptValue,
    needsReencryption: (value) => typeof value === "string" && (!isEncrypted(value) || value.split(":")[2] !== currentKid),
    encryptPaths: (doc, paths, prefix) => mapPaths(doc, paths, prefix, (value, context) => encryptValue(value as string, context)),
    decryptPaths: (doc, paths, prefix, options) => mapPaths(doc, paths, prefix, (value, context) => decryptValue(value as string, context, options)),
  };
}

function parseKeys(keys: readonly string[]): Map<string, Buffer> {
  if (keys.length === 0) throw new ConfigError([`${SETTING} needs at least one kid:base64key pair`]);
  const keyring = new Map<string, Buffer>();
  keys.forEach((entry, i) => {
    const separator = entry.indexOf(":");
    const kid = entry.slice(0, Math.max(separator, 0));
    const encoded = entry.slice(separator + 1);
    // Problems name the kid or position, never the key material.
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw new ConfigError([`${SETTING} entry ${i + 1} must be kid:base64key, the kid of letters, digits, _ or - (at most 32)`]);
    if (keyring.has(kid)) throw new ConfigError([`${SETTING} lists the kid "${kid}" twice`]);
    const key = Buffer.from(encoded, "base64");
    if (!BASE64.test(encoded) || key.length !== KEY_BYTES) throw new ConfigError([`${SETTING} key "${kid}" must be ${KEY_BYTES} bytes in base64 (AES-256), got ${BASE64.test(encoded) ? `${key.length} bytes` : "something else"}`]);
    keyring.set(kid, key);
  });
  return keyring;
}

/** The kid, IV, tag and ciphertext of `enc:v1:<kid>:<iv>:<tag>:<ciphertext>`, checked for shape. */
function parts(value: string, context: string): [string, Buffer, Buffer, Buffer] {
  const fields = value.slice(PREFIX.length).split(":");
  const [kid, iv, tag, ciphertext] = fields;
  const wellFormed = fields.length === 4 && kid !== "" && [iv, tag, ciphertext].every((field) => BASE64URL.test(field));
  const decoded = wellFormed ? [Buffer.from(iv, "base64url"), Buffer.from(tag, "base64url"), Buffer.from(ciphertext, "base64url")] : [];
  if (!wellFormed || decoded[0].length !== IV_BYTES || decoded[1].length !== TAG_BYTES) {
    throw new InternalError(`The value of ${context} is not a well-formed ${PREFIX} ciphertext`);
  }
  return [kid, decoded[0], decoded[1], decoded[2]];
}

/**
 * A copy of `doc` with `transform` applied to the value at each dotted path, through nested
 * subdocuments and arrays of them; absent, undefined and null values are left alone. The context
 * is `<prefix>.<path>` without array positions, so reordering an array keeps values readable.
 */
function mapPaths<T extends object>(doc: T, paths: readonly string[], prefix: string, transform: (value: unknown, context: string) => unknown): T {
  let result: unknown = doc;
  for (const path of paths) result = mapAt(result, path.split("."), (value) => transform(value, `${prefix}.${path}`));
  return result as T;
}

function mapAt(value: unknown, segments: string[], transform: (value: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapAt(item, segments, transform));
  if (!isDocument(value)) return value;
  const [head, ...rest] = segments;
  const child = value[head];
  if (child === undefined || child === null) return value;
  return { ...value, [head]: rest.length === 0 ? transform(child) : mapAt(child, rest, transform) };
}

const isDocument = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value));

let configured: FieldCipher | undefined;
/** The cipher over the configured keys, built on first use (a bad key fails there, naming the setting). */
const fieldCipher = (): FieldCipher => (configured ??= createFieldCipher(config("encryption").fieldKeys));

/**
 * Encrypts a string for the field `context` names, with the current key.
 *
 * @example
 * user.exotelConfig.apiToken = encryptValue(token, "ai-calling.users.exotelConfig.apiToken");
 */
export const encryptValue = (plaintext: string, context: string): string => fieldCipher().encryptValue(plaintext, context);

/**
 * Decrypts a value written by `encryptValue` for the same `context`; throws an `InternalError` for
 * an unknown key, an altered value, another field's value, or (unless allowed) plaintext.
 *
 * @example
 * const token = decryptValue(user.exotelConfig.apiToken, "ai-calling.users.exotelConfig.apiToken");
 */
export const decryptValue = (value: string, context: string, options?: DecryptOptions): string => fieldCipher().decryptValue(value, context, options);

/**
 * Whether a stored value should be rewritten under the current key: ciphertext under an older
 * key, or a plaintext string. Rotation migrations decrypt and re-encrypt what this selects.
 *
 * @example
 * if (needsReencryption(doc.apiKey)) doc.apiKey = encryptValue(decryptValue(doc.apiKey, ctx, { allowPlaintext: true }), ctx);
 */
export const needsReencryption = (value: unknown): boolean => fieldCipher().needsReencryption(value);

/**
 * A copy of `doc` with the strings at `paths` encrypted, each bound to `<contextPrefix>.<path>`.
 *
 * @example
 * const stored = encryptPaths(platform, ["config.apiKey", "config.apiSecret"], "automedia.platforms");
 */
export const encryptPaths = <T extends object>(doc: T, paths: readonly string[], contextPrefix: string): T =>
  fieldCipher().encryptPaths(doc, paths, contextPrefix);

/**
 * A copy of `doc` with the values at `paths` decrypted (see `encryptPaths`).
 *
 * @example
 * const platform = decryptPaths(stored, ["config.apiKey"], "automedia.platforms", { allowPlaintext: true });
 */
export const decryptPaths = <T extends object>(doc: T, paths: readonly string[], contextPrefix: string, options?: DecryptOptions): T =>
  fieldCipher().decryptPaths(doc, paths, contextPrefix, options);

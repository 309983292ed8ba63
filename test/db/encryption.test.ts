/**
 * Field encryption: AES-256-GCM round trips, key rotation, refusal of unknown keys, altered
 * values and values moved to another field, the dotted-path helpers, and key configuration.
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "#core/config/index.ts";
import { ENCRYPTED_VALUE } from "#core/db/collection.ts";
import { createFieldCipher, decryptPaths, decryptValue, encryptPaths, encryptValue, isEncrypted, needsReencryption } from "#core/db/encryption.ts";
import { InternalError } from "#core/errors.ts";

const key = (kid: string, bytes = 32): string => `${kid}:${randomBytes(bytes).toString("base64")}`;
const CONTEXT = "ai-calling.users.exotelConfig.apiToken";
const FORMAT = /^enc:v1:([A-Za-z0-9_-]+):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]*)$/;

/** `value` with the first character of its n-th `:`-separated field changed (the first carries no base64 padding bits). */
function alter(value: string, field: number): string {
  const fields = value.split(":");
  fields[field] = (fields[field][0] === "A" ? "B" : "A") + fields[field].slice(1);
  return fields.join(":");
}

describe("encryptValue and decryptValue", () => {
  const cipher = createFieldCipher([key("k1")]);

  it("round-trips any string, unicode and empty included", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), (plaintext) => {
      const value = cipher.encryptValue(plaintext, CONTEXT);

      expect(cipher.decryptValue(value, CONTEXT)).toBe(plaintext);
    }), { numRuns: 200 });
    expect(cipher.decryptValue(cipher.encryptValue("", CONTEXT), CONTEXT)).toBe("");
    expect(cipher.decryptValue(cipher.encryptValue("tök€n 😀", CONTEXT), CONTEXT)).toBe("tök€n 😀");
  });

  it("writes enc:v1:<kid>:<iv>:<tag>:<ciphertext>, which the validator's pattern accepts", () => {
    const value = cipher.encryptValue("secret", CONTEXT);

    expect(value).toMatch(FORMAT);
    expect(value).toMatch(ENCRYPTED_VALUE);
    expect(value.split(":")[2]).toBe("k1");
    expect(isEncrypted(value)).toBe(true);
    expect(isEncrypted("secret")).toBe(false);
    expect(isEncrypted(null)).toBe(false);
  });

  it("uses a fresh IV each time, so equal plaintexts do not look equal", () => {
    const values = Array.from({ length: 50 }, () => cipher.encryptValue("same", CONTEXT));

    expect(new Set(values).size).toBe(50);
    expect(new Set(values.map((value) => value.split(":")[3])).size).toBe(50);
  });

  it("encrypts strings only", () => {
    for (const value of [42, null, undefined, { token: "x" }, ["x"]]) {
      expect(() => cipher.encryptValue(value as never, CONTEXT)).toThrow(TypeError);
    }
  });

  it("refuses a value encrypted for another field", () => {
    const value = cipher.encryptValue("secret", CONTEXT);

    expect(() => cipher.decryptValue(value, "ai-calling.users.exotelConfig.apiKey")).toThrow(InternalError);
    expect(() => cipher.decryptValue(value, "delauto.users.exotelConfig.apiToken")).toThrow(/does not decrypt/);
  });

  it("refuses an altered IV, tag or ciphertext", () => {
    const value = cipher.encryptValue("a provider token", CONTEXT);

    for (const field of [3, 4, 5]) {
      expect(() => cipher.decryptValue(alter(value, field), CONTEXT), `field ${field}`).toThrow(/does not decrypt/);
    }
  });

  it("refuses a value relabelled with another known key", () => {
    const both = createFieldCipher([key("k1"), key("k2")]);
    const value = both.encryptValue("secret", CONTEXT);

    expect(() => both.decryptValue(value.replace(":k1:", ":k2:"), CONTEXT)).toThrow(/does not decrypt/);
  });

  it("refuses malformed ciphertext with a clear error", () => {
    const value = cipher.encryptValue("secret", CONTEXT);
    const [, , kid, iv, tag, ciphertext] = value.split(":");
    const shortTag = ["enc", "v1", kid, iv, tag.slice(0, 16), ciphertext].join(":");
    const malformed = ["enc:v1:", "enc:v1:k1", `${value}:extra`, value.replace(/:[^:]+$/, ":not base64!"), shortTag];

    for (const bad of malformed) expect(() => cipher.decryptValue(bad, CONTEXT), bad).toThrow(/not a well-formed enc:v1: ciphertext/);
  });

  it("names an unknown kid", () => {
    const value = createFieldCipher([key("retired")]).encryptValue("secret", CONTEXT);

    expect(() => cipher.decryptValue(value, CONTEXT)).toThrow(/encrypted with key "retired", which FIELD_ENCRYPTION_KEYS does not hold/);
  });

  it("refuses plaintext unless asked to pass it through", () => {
    expect(() => cipher.decryptValue("legacy-token", CONTEXT)).toThrow(/is not encrypted/);
    expect(cipher.decryptValue("legacy-token", CONTEXT, { allowPlaintext: true })).toBe("legacy-token");
  });
});

describe("key rotation", () => {
  const oldKey = key("2024");
  const newKey = key("2025");

  it("decrypts values of an older key once a new key is put first, and encrypts with the new one", () => {
    const before = createFieldCipher([oldKey]);
    const after = createFieldCipher([newKey, oldKey]);
    const stored = before.encryptValue("secret", CONTEXT);

    const rewritten = after.encryptValue(after.decryptValue(stored, CONTEXT), CONTEXT);

    expect(after.decryptValue(stored, CONTEXT)).toBe("secret");
    expect(rewritten.split(":")[2]).toBe("2025");
    expect(after.decryptValue(rewritten, CONTEXT)).toBe("secret");
  });

  it("selects for re-encryption what the current key did not write", () => {
    const after = createFieldCipher([newKey, oldKey]);
    const old = createFieldCipher([oldKey]).encryptValue("secret", CONTEXT);

    expect(after.needsReencryption(old)).toBe(true);
    expect(after.needsReencryption("legacy plaintext")).toBe(true);
    expect(after.needsReencryption(after.encryptValue("secret", CONTEXT))).toBe(false);
    expect(after.needsReencryption(null)).toBe(false);
    expect(after.needsReencryption(undefined)).toBe(false);
  });
});

describe("encryptPaths and decryptPaths", () => {
  const cipher = createFieldCipher([key("k1")]);
  const prefix = "automedia.platforms";

  it("encrypts the values at dotted paths through subdocuments and arrays, and decrypts them back", () => {
    const doc = {
      name: "Twitter",
      config: { apiKey: "key-1", apiSecret: "secret-1", environment: "production" },
      settings: { apiKeys: [{ provider: "openai", key: "sk-1" }, { provider: "anthropic", key: "sk-2" }] },
    };
    const paths = ["config.apiKey", "config.apiSecret", "settings.apiKeys.key"];

    const stored = cipher.encryptPaths(doc, paths, prefix);

    expect(stored.name).toBe("Twitter");
    expect(stored.config.environment).toBe("production");
    expect([stored.config.apiKey, stored.config.apiSecret, ...stored.settings.apiKeys.map((k) => k.key)].every(isEncrypted)).toBe(true);
    expect(stored.settings.apiKeys.map((k) => k.provider)).toEqual(["openai", "anthropic"]);
    expect(cipher.decryptValue(stored.config.apiKey, `${prefix}.config.apiKey`)).toBe("key-1");
    expect(cipher.decryptValue(stored.settings.apiKeys[1].key, `${prefix}.settings.apiKeys.key`)).toBe("sk-2");
    expect(cipher.decryptPaths(stored, paths, prefix)).toEqual(doc);
  });

  it("leaves its input untouched", () => {
    const doc = { config: { apiKey: "key-1", nested: { token: "t" } }, list: [{ key: "k" }] };
    const copy = structuredClone(doc);

    const stored = cipher.encryptPaths(doc, ["config.apiKey", "config.nested.token", "list.key"], prefix);
    cipher.decryptPaths(stored, ["config.apiKey"], prefix);

    expect(doc).toEqual(copy);
    expect(stored.config).not.toBe(doc.config);
  });

  it("skips paths that are missing, undefined or null", () => {
    const doc = { config: { apiKey: null, apiSecret: undefined }, other: 1 };

    const stored = cipher.encryptPaths(doc, ["config.apiKey", "config.apiSecret", "config.accessToken", "absent.deep.path"], prefix);

    expect(stored).toEqual(doc);
    expect(cipher.decryptPaths(stored, ["config.apiKey", "config.accessToken"], prefix)).toEqual(doc);
  });

  it("binds each value to its path, so a value moved to another field does not decrypt", () => {
    const stored = cipher.encryptPaths({ config: { apiKey: "key-1", apiSecret: "secret-1" } }, ["config.apiKey", "config.apiSecret"], prefix);
    const swapped = { config: { apiKey: stored.config.apiSecret, apiSecret: stored.config.apiKey } };

    expect(() => cipher.decryptPaths(swapped, ["config.apiKey"], prefix)).toThrow(/does not decrypt/);
    expect(() => cipher.decryptPaths(stored, ["config.apiKey"], "automedia.users")).toThrow(/does not decrypt/);
  });

  it("passes legacy plaintext through only when allowed", () => {
    const legacy = { config: { apiKey: "written-by-mongoose" } };

    expect(() => cipher.decryptPaths(legacy, ["config.apiKey"], prefix)).toThrow(/is not encrypted/);
    expect(cipher.decryptPaths(legacy, ["config.apiKey"], prefix, { allowPlaintext: true })).toEqual(legacy);
  });

  it("refuses a non-string value at an encrypted path", () => {
    expect(() => cipher.encryptPaths({ config: { apiKey: 42 } }, ["config.apiKey"], prefix)).toThrow(TypeError);
  });
});

describe("key configuration", () => {
  it("refuses a key that is not 32 bytes, naming its kid but not the key", () => {
    const short = key("short", 16);

    const error = (() => { try { createFieldCipher([short]); } catch (e) { return e as Error; } })();

    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/FIELD_ENCRYPTION_KEYS key "short" must be 32 bytes in base64 \(AES-256\), got 16 bytes/);
    expect(error!.message).not.toContain(short.split(":")[1]);
  });

  it("refuses a kid listed twice", () => {
    expect(() => createFieldCipher([key("k1"), key("k1")])).toThrow(/FIELD_ENCRYPTION_KEYS lists the kid "k1" twice/);
  });

  it("refuses an empty list, an entry without a kid and a key that is not base64", () => {
    expect(() => createFieldCipher([])).toThrow(ConfigError);
    expect(() => createFieldCipher([randomBytes(32).toString("base64")])).toThrow(/entry 1 must be kid:base64key/);
    expect(() => createFieldCipher(["k1:" + "%".repeat(44)])).toThrow(/key "k1" must be 32 bytes in base64/);
  });
});

describe("the configured cipher", () => {
  it("encrypts with the first FIELD_ENCRYPTION_KEYS key and reads its own values", () => {
    const [currentKid] = process.env.FIELD_ENCRYPTION_KEYS!.split(":");

    const value = encryptValue("secret", CONTEXT);
    const doc = encryptPaths({ exotelConfig: { apiToken: "secret" } }, ["exotelConfig.apiToken"], "ai-calling.users");

    expect(value.split(":")[2]).toBe(currentKid);
    expect(decryptValue(value, CONTEXT)).toBe("secret");
    expect(needsReencryption(value)).toBe(false);
    expect(decryptPaths(doc, ["exotelConfig.apiToken"], "ai-calling.users").exotelConfig.apiToken).toBe("secret");
  });
});

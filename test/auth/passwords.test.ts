/**
 * Passwords: bcrypt hashes at each system's cost, the length rules, and a verification that costs
 * one bcrypt run whether or not the account exists.
 */
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, PASSWORD_RULES, passwordSchema, verifyPassword, verifyPasswordOrDummy } from "#core/auth/passwords.ts";
import { ValidationError } from "#core/errors.ts";

const elapsedMs = async (run: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await run();
  return performance.now() - start;
};

describe("hashPassword and verifyPassword", () => {
  it("hashes at Car Sales' cost 12 and verifies the right password only", async () => {
    const hash = await hashPassword("correct horse battery", PASSWORD_RULES["car-sales"].cost);

    expect(hash).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
  });

  it("hashes at cost 10 for the other systems", async () => {
    const hash = await hashPassword("s3cret-enough", PASSWORD_RULES.delauto.cost);

    expect(bcrypt.getRounds(hash)).toBe(10);
    expect(PASSWORD_RULES["ai-calling"].cost).toBe(10);
  });

  it("verifies hashes written by other bcrypt implementations ($2a$, as in DelAuto's document)", async () => {
    const legacy = bcrypt.hashSync("legacy-pass", bcrypt.genSaltSync(4)).replace(/^\$2b\$/, "$2a$");

    expect(await verifyPassword("legacy-pass", legacy)).toBe(true);
  });

  it("refuses to hash a password longer than 72 bytes instead of truncating it", async () => {
    const long = "é".repeat(37); // 74 bytes in UTF-8, only 37 characters

    await expect(hashPassword(long, 4)).rejects.toBeInstanceOf(ValidationError);
  });

  it("never matches a password beyond 72 bytes, even one whose first 72 bytes match", async () => {
    const stored = "a".repeat(72);
    const hash = await hashPassword(stored, 4);

    expect(await verifyPassword(`${stored}extra`, hash)).toBe(false);
  });

  it("says a hash needs rehashing when its cost is below the system's", async () => {
    const weak = await hashPassword("rehash-me-please", 4);

    expect(needsRehash(weak, PASSWORD_RULES["car-sales"].cost)).toBe(true);
    expect(needsRehash(weak, 4)).toBe(false);
  });
});

describe("passwordSchema", () => {
  it("refuses passwords shorter than the system's minimum of 8", () => {
    const result = passwordSchema("ai-calling").safeParse("short");

    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe("must be at least 8 characters");
  });

  it("refuses passwords longer than 72 bytes, counting bytes rather than characters", () => {
    const schema = passwordSchema("car-sales");

    expect(schema.safeParse("€".repeat(24)).success).toBe(true); // 72 bytes
    expect(schema.safeParse("€".repeat(25)).success).toBe(false); // 75 bytes
  });

  it("accepts a password of exactly the minimum length", () => {
    expect(passwordSchema("automedia").parse("12345678")).toBe("12345678");
  });
});

describe("verifyPasswordOrDummy", () => {
  it("answers false for an account that does not exist, after spending a bcrypt run", async () => {
    const cost = PASSWORD_RULES.delauto.cost;
    const hash = await hashPassword("registered-password", cost);
    await verifyPasswordOrDummy("warm-up", hash, cost);

    const real = await elapsedMs(() => verifyPasswordOrDummy("wrong-password", hash, cost));
    let missingAnswer: boolean | undefined;
    const missing = await elapsedMs(async () => { missingAnswer = await verifyPasswordOrDummy("wrong-password", undefined, cost); });

    expect(missingAnswer).toBe(false);
    // Generous bounds: the point is that a bcrypt run happened, not a precise timing.
    expect(missing).toBeGreaterThan(5);
    expect(missing).toBeGreaterThan(real / 4);
  });

  it("verifies against the stored hash when the account exists", async () => {
    const hash = await hashPassword("registered-password", 4);

    expect(await verifyPasswordOrDummy("registered-password", hash, 4)).toBe(true);
    expect(await verifyPasswordOrDummy("other-password", hash, 4)).toBe(false);
  });
});

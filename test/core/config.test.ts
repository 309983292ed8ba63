/**
 * Configuration is parsed per section with zod, from SST links when they are present and from
 * environment variables otherwise; problems name the variable and never echo a secret.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

const loadConfig = async () => {
  vi.resetModules();
  return import("#core/config/index.ts");
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("config", () => {
  it("parses a section with its defaults", async () => {
    vi.stubEnv("MONGODB_URI", "mongodb://db.example:27017/?retryWrites=true");
    vi.stubEnv("MONGODB_MAX_POOL_SIZE", "");
    const { config } = await loadConfig();

    expect(config("mongo").uri).toBe("mongodb://db.example:27017/?retryWrites=true");
    expect(config("mongo").maxPoolSize).toBe(5);
    expect(Object.isFrozen(config("mongo"))).toBe(true);
  });

  it("names a missing variable and says where to set it", async () => {
    vi.stubEnv("JWT_ACCESS_SECRET", "");
    const { config, ConfigError } = await loadConfig();

    expect(() => config("jwt")).toThrow(ConfigError);
    expect(() => config("jwt")).toThrow(/JWT_ACCESS_SECRET is required .*environment variable JWT_ACCESS_SECRET/);
  });

  it("names a malformed plain setting with the value it got", async () => {
    vi.stubEnv("PORT", "eighty");
    const { config } = await loadConfig();

    expect(() => config("server")).toThrow(/PORT .*\(got "eighty"\)/);
  });

  it("refuses a malformed secret without echoing it", async () => {
    vi.stubEnv("MONGODB_URI", "postgres://user:s3cr3t-pass@host/db");
    const { config } = await loadConfig();

    let message = "";
    try {
      config("mongo");
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toMatch(/MONGODB_URI must be a mongodb:\/\/ or mongodb\+srv:\/\/ URI/);
    expect(message).not.toContain("s3cr3t-pass");
  });

  it("reports every problem of several sections at once", async () => {
    vi.stubEnv("RECORDINGS_BUCKET", "Not_A_Bucket");
    vi.stubEnv("BACKUPS_BUCKET", "");
    vi.stubEnv("FIELD_ENCRYPTION_KEYS", "k1:short");
    const { checkConfig, ConfigError } = await loadConfig();

    let problems: string[] = [];
    try {
      checkConfig(["storage", "encryption"]);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as InstanceType<typeof ConfigError>).problems;
    }

    expect(problems.map((problem) => problem.split(" ")[0]).sort()).toEqual(["BACKUPS_BUCKET", "FIELD_ENCRYPTION_KEYS", "RECORDINGS_BUCKET"]);
  });

  it("splits comma lists and trims them", async () => {
    vi.stubEnv("CORS_ORIGINS", "https://app.example.com, https://admin.example.com");
    const { config } = await loadConfig();

    expect(config("server").corsOrigins).toEqual(["https://app.example.com", "https://admin.example.com"]);
  });
});

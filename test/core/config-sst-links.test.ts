/**
 * In a deployed function, settings come from its SST links (`SST_RESOURCE_<Name>` variables that
 * `sst/resource` reads once per process, so they are set before anything loads).
 */
import { describe, expect, it } from "vitest";

Object.assign(process.env, {
  SST_RESOURCE_App: JSON.stringify({ name: "platform", stage: "test" }),
  SST_RESOURCE_MongodbUri: JSON.stringify({ type: "sst.sst.Secret", value: "mongodb+srv://cluster0.example.net/" }),
  SST_RESOURCE_Recordings: JSON.stringify({ type: "sst.aws.Bucket", name: "platform-test-recordings-abc123" }),
  SST_RESOURCE_Backups: JSON.stringify({ type: "sst.aws.Bucket", name: "platform-test-backups-abc123" }),
  MONGODB_URI: "mongodb://ignored-when-linked/",
  UPSTASH_REDIS_REST_TOKEN: "",
});
const { config } = await import("#core/config/index.ts");

describe("config from SST links", () => {
  it("reads linked secrets and buckets before environment variables", () => {
    expect(config("mongo").uri).toBe("mongodb+srv://cluster0.example.net/");
    expect(config("storage").recordingsBucket).toBe("platform-test-recordings-abc123");
    expect(config("storage").backupsBucket).toBe("platform-test-backups-abc123");
  });

  it("tells a linked function which SST link it lacks", () => {
    expect(() => config("redis")).toThrow(/UPSTASH_REDIS_REST_TOKEN is required .*link UpstashRedisRestToken in sst.config.ts/);
  });
});

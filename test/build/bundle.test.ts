/**
 * `npm run build`'s bundler: functions bundled as SST deploys them (minified ESM with an external
 * source map and a metafile), each holding only the code its handler reaches, and runnable as
 * Lambda loads them: imported in a fresh process, the exported handler answers its event.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleComposition, bundleFunctions, type BundleResult } from "#local/build/bundle.ts";
import { firstEvent, measureColdInit } from "#local/build/cold-init.ts";
import { platformFunctions, type PlatformFunction } from "#local/build/functions.ts";

const inputsOf = (bundle: BundleResult): string[] => Object.keys(bundle.metafile!.inputs);

describe("bundleFunctions", () => {
  let outDir: string;
  let health: PlatformFunction;
  let healthBundle: BundleResult;
  let callsBundle: BundleResult;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), "bundle-test-"));
    const functions = platformFunctions();
    health = functions.find((fn) => fn.name === "PlatformHealth")!;
    const calls = functions.find((fn) => fn.name === "AiCallingCallsCreate")!;
    [healthBundle, callsBundle] = await bundleFunctions([health, calls], { outDir });
  }, 60_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("writes index.mjs, its external source map and a metafile per function", () => {
    for (const bundle of [healthBundle, callsBundle]) {
      expect(bundle.errors).toEqual([]);
      expect(bundle.file).toBe(join(outDir, bundle.name, "index.mjs"));
      expect(existsSync(bundle.file)).toBe(true);
      expect(existsSync(`${bundle.file}.map`)).toBe(true);
      expect(JSON.parse(readFileSync(join(outDir, bundle.name, "metafile.json"), "utf8")).inputs).toBeTypeOf("object");
      expect(readFileSync(bundle.file, "utf8")).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    }
  });

  it("minifies: a bundle of over a megabyte fits in a few hundred lines", () => {
    const code = readFileSync(healthBundle.file, "utf8");

    expect(healthBundle.bytes).toBeGreaterThan(100_000);
    expect(code.split("\n").length).toBeLessThan(healthBundle.bytes / 2_000);
  });

  it("starts with SST's banner, so bundled CommonJS code can require() Node's builtins", () => {
    expect(readFileSync(healthBundle.file, "utf8")).toMatch(/^import \{ createRequire as topLevelCreateRequire \} from "module";\nconst require = /);
  });

  it("resolves the #core/* import aliases into the bundle", () => {
    expect(inputsOf(healthBundle)).toContain("core/http/pipeline.ts");
  });

  it("gives an AI Calling function its own system's code and no other system's", () => {
    const inputs = inputsOf(callsBundle);

    expect(inputs).toContain("core/ai-calling/exotel-api.ts");
    expect(readFileSync(callsBundle.file, "utf8")).toContain("/v1/Accounts/"); // Exotel's API paths
    expect(inputs.filter((input) => /^(core|functions)\/(car-sales|sales-automation|automedia)\//.test(input))).toEqual([]);
  });

  it("leaves out every system's code from the health bundle", () => {
    const systemCode = inputsOf(healthBundle).filter((input) => /^(core|functions)\/(ai-calling|car-sales|sales-automation|automedia)\//.test(input));

    expect(systemCode).toEqual([]);
    expect(readFileSync(healthBundle.file, "utf8")).not.toContain("/v1/Accounts/");
  });

  it("charges each bundled file to the dependency our code imports that brought it in", () => {
    const shares = bundleComposition(healthBundle.metafile!, healthBundle.file);
    const total = shares.reduce((sum, { bytes }) => sum + bytes, 0);

    expect(shares.find(({ dependency }) => dependency === "mongodb")?.parts.map(({ name }) => name)).toContain("tr46");
    expect(shares.find(({ dependency }) => dependency === "our code")?.parts.map(({ name }) => name)).toContain("core/http");
    expect(total).toBeGreaterThan(healthBundle.bytes * 0.9);
    expect(total).toBeLessThanOrEqual(healthBundle.bytes);
  });

  it("names the function that fails to bundle and still bundles the others", async () => {
    const [broken, healthy] = await bundleFunctions([{ name: "Broken", entry: "functions/no-such-handler.ts" }, health], { outDir });

    expect(broken.errors.join("\n")).toContain("functions/no-such-handler.ts");
    expect(broken.bytes).toBe(0);
    expect(healthy.errors).toEqual([]);
    expect(existsSync(healthy.file)).toBe(true);
  }, 60_000);

  it("imports in a fresh process and answers a health event with 200 without reaching any service", async () => {
    const event = await firstEvent(health.trigger);

    const result = await measureColdInit({ file: healthBundle.file, exportName: "handler", functionName: health.name, event }, { env: process.env, services: new Map() });

    expect(result).toMatchObject({ ok: true, answer: "200", reached: [] });
  }, 60_000);
});

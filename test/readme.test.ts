import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "#local/runtime/handlers.ts";
import { settingsTable } from "#local/settings-table.ts";

describe("README", () => {
  it("carries the configuration table generated from the settings catalogue", () => {
    const readme = readFileSync(join(REPOSITORY_ROOT, "README.md"), "utf8");

    expect(readme).toContain(settingsTable());
  });
});

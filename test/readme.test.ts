import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "#local/runtime/handlers.ts";
import { settingsTable } from "#local/settings-table.ts";
import { secretSetCommands } from "../stacks/secrets.ts";

const readme = readFileSync(join(REPOSITORY_ROOT, "README.md"), "utf8");

describe("README", () => {
  it("carries the configuration table generated from the settings catalogue", () => {
    expect(readme).toContain(settingsTable());
  });

  it("lists the deploy's `sst secret set` commands generated from the settings catalogue", () => {
    expect(readme).toContain(secretSetCommands());
  });
});

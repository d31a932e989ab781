import { describe, expect, it } from "vitest";
import { mapLegacyType } from "./legacy-types.js";

describe("mapLegacyType", () => {
  it("maps the old types to the type with the same actions", () => {
    expect(["notify", "deploy", "build", "test", "custom"].map((t) => mapLegacyType(t).pluginType)).toEqual([
      "notify",
      "cd",
      "ci",
      "ci",
      "custom",
    ]);
    expect(mapLegacyType(" Deploy ")).toEqual({ pluginType: "cd", known: true });
    expect(mapLegacyType("security")).toEqual({ pluginType: "security", known: true });
  });

  it("maps anything else to custom and says so", () => {
    expect(mapLegacyType("scanner")).toEqual({ pluginType: "custom", known: false });
    expect(mapLegacyType("")).toEqual({ pluginType: "custom", known: false });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createAjv } from "./ajv-factory.js";
import { isPluginName, isSemver, isSemverRange } from "./platform-formats.js";

describe("semver format", () => {
  it("accepts canonical versions", () => {
    for (const v of [
      "0.0.0",
      "1.2.3",
      "10.20.30",
      "1.0.0-rc.1",
      "1.0.0-alpha+build.5",
      "1.0.0+20130313144700",
    ]) {
      expect(isSemver(v), v).toBe(true);
    }
  });

  it('rejects a leading "v", "=", padding and partial versions', () => {
    for (const v of [
      "v1.2.3",
      "=1.2.3",
      " 1.2.3",
      "1.2.3 ",
      "1.2",
      "1",
      "01.2.3",
      "1.2.3.4",
      "",
      "latest",
      "^1.2.3",
    ]) {
      expect(isSemver(v), v).toBe(false);
    }
  });

  it("accepts every generated x.y.z", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), (a, b, c) => {
        expect(isSemver(`${a}.${b}.${c}`)).toBe(true);
      }),
    );
  });
});

describe("semver-range format", () => {
  it("accepts ranges", () => {
    for (const r of ["^1.2.0", "~1.2", ">=1.0.0 <2.0.0", "1.x", "*", "1.2.3", "1.2.3 - 2.0.0", "^1 || ^2"]) {
      expect(isSemverRange(r), r).toBe(true);
    }
  });

  it("rejects junk and empty strings", () => {
    for (const r of ["", "   ", "latest", "not a range", ">>1", "^1.2.3.4", "x".repeat(300)]) {
      expect(isSemverRange(r), r).toBe(false);
    }
  });
});

describe("plugin-name format", () => {
  it("accepts lowercase letters, digits, -, _ and ., starting with a letter or digit", () => {
    for (const n of ["slack", "a", "7", "my-plugin_v2.1", "notify.stdout", "a".repeat(100), "0-x"]) {
      expect(isPluginName(n), n).toBe(true);
    }
  });

  it("rejects capitals, spaces, paths, '..', other scripts and more than 100 characters", () => {
    for (const n of [
      "",
      "Slack",
      "slack notify",
      "../../etc/acc",
      "a/b",
      "a\\b",
      "a..b",
      ".a",
      "-a",
      "_a",
      "a\n",
      "日本語",
      "a".repeat(101),
    ]) {
      expect(isPluginName(n), JSON.stringify(n)).toBe(false);
    }
  });
});

describe("createAjv", () => {
  it("registers the platform formats and the ajv-formats ones", () => {
    const ajv = createAjv();
    expect(ajv.validate({ type: "string", format: "semver" }, "1.0.0")).toBe(true);
    expect(ajv.validate({ type: "string", format: "semver" }, "v1.0.0")).toBe(false);
    expect(ajv.validate({ type: "string", format: "semver-range" }, "^1")).toBe(true);
    expect(ajv.validate({ type: "string", format: "plugin-name" }, " x")).toBe(false);
    expect(ajv.validate({ type: "string", format: "email" }, "nope")).toBe(false);
    expect(ajv.validate({ type: "string", format: "uri" }, "https://example.com")).toBe(true);
  });

  it("reports all errors, not just the first", () => {
    const ajv = createAjv();
    ajv.validate({ type: "object", required: ["a", "b"] }, {});
    expect(ajv.errors).toHaveLength(2);
  });

  it("never changes the validated value (no defaults, no coercion)", () => {
    const ajv = createAjv();
    const value: Record<string, unknown> = { n: "1" };
    ajv.validate({ properties: { n: { type: "number" }, d: { default: 5 } } }, value);
    expect(value).toEqual({ n: "1" });
  });

  it("builds each dialect", () => {
    expect(
      createAjv("2019-09").validate({ type: "array", unevaluatedItems: false, prefixItems: [] }, []),
    ).toBe(true);
    expect(
      createAjv("2020-12").validate({ type: "array", prefixItems: [{ type: "string" }], items: false }, [
        "a",
        1,
      ]),
    ).toBe(false);
  });
});

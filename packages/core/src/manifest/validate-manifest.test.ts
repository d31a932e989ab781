import { PLUGIN_TYPES } from "@arcade/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import { isPluginName } from "../schema/platform-formats.js";
import { nameKey } from "./manifest-rules.js";
import { assertValidManifest, validateManifest, validateManifestJson } from "./validate-manifest.js";

const base = { name: "slack", version: "1.0.0", pluginType: "notify", entryPoint: "index.js" } as const;

function errorsFor(patch: Record<string, unknown>) {
  return validateManifest({ ...base, ...patch }).errors;
}

describe("validateManifest: the schema", () => {
  it("accepts a minimal manifest and returns a private copy", () => {
    const input = { ...base };
    const result = validateManifest(input);
    expect(result).toEqual({ valid: true, errors: [], manifest: base });
    expect(result.manifest).not.toBe(input);
  });

  it("accepts a full manifest", () => {
    const full = {
      ...base,
      description: "Posts to Slack",
      author: "Arcade",
      homepage: "https://example.com",
      repository: "https://github.com/x/y",
      documentation: "https://docs.example.com",
      dependencies: [{ name: "http", version: "^1.2.0" }],
      configSchema: { type: "object", properties: { url: { type: "string" } }, required: ["url"] },
      paramsSchema: { actions: { send: { type: "object" } } },
      defaultConfig: { url: "https://hooks.slack.com/x" },
      icon: "data:image/png;base64,AAAA",
      tags: ["chat"],
      minVersion: "1.0.0",
      resources: { cpu: "100m", memory: "128Mi", disk: "1Gi" },
    };
    expect(validateManifest(full)).toMatchObject({ valid: true, errors: [] });
  });

  it("requires name, version, pluginType and entryPoint", () => {
    expect(
      validateManifest({})
        .errors.map((e) => e.path)
        .sort(),
    ).toEqual(["/entryPoint", "/name", "/pluginType", "/version"]);
    expect(validateManifest({}).errors.every((e) => e.message === "is required")).toBe(true);
  });

  it("says what a version must look like", () => {
    expect(errorsFor({ version: "v1.2.3" })).toEqual([
      { path: "/version", message: "must be a semantic version like 1.2.3" },
    ]);
    expect(errorsFor({ minVersion: "1.2" })).toEqual([
      { path: "/minVersion", message: "must be a semantic version like 1.2.3" },
    ]);
  });

  it("lists the plugin types", () => {
    expect(errorsFor({ pluginType: "nope" })).toEqual([
      { path: "/pluginType", message: `must be one of ${PLUGIN_TYPES.join(", ")}` },
    ]);
  });

  it("checks the name rule, and says it", () => {
    for (const name of ["slack", "my-plugin_v2.1", "7zip", "a", "a".repeat(100), "notify.stdout"]) {
      expect(errorsFor({ name }), name).toEqual([]);
    }
    for (const name of [
      "../../etc/acc",
      "Slack",
      "slack notify",
      " slack",
      "a..b",
      "a/b",
      "a\\b",
      ".hidden",
      "-x",
      "_x",
      "a".repeat(101),
      "日本語",
      "slack\n",
      "",
    ]) {
      const errors = errorsFor({ name });
      expect(
        errors.map((e) => e.path),
        JSON.stringify(name),
      ).toContain("/name");
    }
    expect(errorsFor({ name: "../../etc/acc" })).toEqual([
      {
        path: "/name",
        message: `must be lowercase letters, digits, "-", "_" and "."; starting with a letter or digit; no ".."; at most 100 characters (so no "/" or "\\", no spaces, no capitals), e.g. "slack-notify"`,
      },
    ]);
  });

  it("a name that breaks the rule is MANIFEST_INVALID", () => {
    let thrown: unknown;
    try {
      assertValidManifest(validateManifest({ ...base, name: "Slack Notifier" }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({
      code: "MANIFEST_INVALID",
      errors: [{ path: "/name", message: expect.stringMatching(/^must be lowercase letters, digits/) }],
    });
  });

  it("rejects unknown fields", () => {
    expect(errorsFor({ main: "x.js" })).toEqual([{ path: "/main", message: "is not an allowed property" }]);
  });

  it("checks dependency ranges and quantities with readable messages", () => {
    expect(errorsFor({ dependencies: [{ name: "a", version: "latest" }] })).toEqual([
      { path: "/dependencies/0/version", message: expect.stringMatching(/semantic version range/) },
    ]);
    expect(errorsFor({ resources: { memory: "lots" } })).toEqual([
      { path: "/resources/memory", message: "must be a byte quantity like 128Mi, 1Gi, 500M or 1024" },
    ]);
    expect(errorsFor({ resources: { cpu: "fast" } })).toEqual([
      { path: "/resources/cpu", message: "must be a CPU quantity like 100m, 0.5 or 2" },
    ]);
  });

  it("rejects what is not an object", () => {
    for (const input of [null, 1, "x", [], true]) {
      expect(validateManifest(input)).toEqual({
        valid: false,
        errors: [{ path: "", message: "must be a JSON object (the manifest)" }],
        manifest: null,
      });
    }
  });

  it("reports all errors at once, schema and rules together", () => {
    const errors = errorsFor({ version: "x", entryPoint: "../a.js", configSchema: { type: "nope" } });
    expect(errors.map((e) => e.path).sort()).toEqual(["/configSchema/type", "/entryPoint", "/version"]);
  });
});

describe("validateManifest: rules beyond the schema", () => {
  it("configSchema must be a valid JSON Schema", () => {
    expect(errorsFor({ configSchema: { type: "object", properties: { a: { type: "strng" } } } })).toEqual([
      { path: "/configSchema/properties/a/type", message: expect.stringMatching(/^must be one of/) },
    ]);
    expect(
      errorsFor({ configSchema: { type: "object", properties: { a: { pattern: "[" } } } })[0],
    ).toMatchObject({
      path: "/configSchema/properties/a/pattern",
      message: expect.stringMatching(/is not a valid regular expression/),
    });
  });

  it("configSchema must describe an object", () => {
    expect(errorsFor({ configSchema: { type: "string" } })).toEqual([
      { path: "/configSchema/type", message: 'must be "object": a plugin config is a JSON object' },
    ]);
    expect(errorsFor({ configSchema: { type: ["object", "null"] } })).toEqual([]);
    expect(errorsFor({ configSchema: { properties: {} } })).toEqual([]);
  });

  it("secret marks must name one config field: marked properties pass, a mark inside an array is refused", () => {
    const token = { type: "string", writeOnly: true };
    expect(errorsFor({ configSchema: { type: "object", properties: { token } } })).toEqual([]);
    expect(
      errorsFor({ configSchema: { type: "object", properties: { slack: { properties: { token } } } } }),
    ).toEqual([]);
    const errors = errorsFor({
      configSchema: {
        type: "object",
        properties: { tokens: { type: "array", items: { "x-secret": true } } },
      },
    });
    expect(errors.map((e) => e.path)).toEqual(["/configSchema/properties/tokens/items"]);
  });

  it("defaultConfig must satisfy configSchema, pointers under /defaultConfig", () => {
    const configSchema = {
      type: "object",
      properties: {
        port: { type: "integer" },
        nested: { type: "object", properties: { on: { type: "boolean" } } },
      },
      additionalProperties: false,
    };
    expect(errorsFor({ configSchema, defaultConfig: { port: 80, nested: { on: true } } })).toEqual([]);
    expect(errorsFor({ configSchema, defaultConfig: { port: "80", nested: { on: 1 }, x: 1 } })).toEqual([
      { path: "/defaultConfig/x", message: "is not an allowed property" },
      { path: "/defaultConfig/port", message: "must be integer" },
      { path: "/defaultConfig/nested/on", message: "must be boolean" },
    ]);
  });

  it("a default rollout follows the request's rules, and cannot split (only a request names versions)", () => {
    expect(errorsFor({ rollout: { strategy: "two-phase" } })).toEqual([]);
    expect(
      errorsFor({ rollout: { strategy: "canary", steps: [{ nodes: 1, hold: "30s" }, { percent: 100 }] } }),
    ).toEqual([]);
    expect(errorsFor({ rollout: { strategy: "two-phase", steps: [{ nodes: 1 }] } })).toEqual([
      { path: "/rollout/steps", message: "steps apply to the canary strategy only, not two-phase" },
    ]);
    expect(errorsFor({ rollout: { strategy: "canary", steps: [{ nodes: 2 }, { nodes: 1 }] } })).toEqual([
      {
        path: "/rollout/steps/1/nodes",
        message: "must be more than an earlier step's 2 (counts are cumulative)",
      },
    ]);
    const split = errorsFor({ rollout: { strategy: "all-at-once", split: { "2.0.0": 10 } } });
    expect(split.map((e) => e.path)).toEqual(["/rollout/split"]);
  });

  it("does not check defaultConfig against a broken configSchema (one error is enough)", () => {
    expect(errorsFor({ configSchema: { type: "nope" }, defaultConfig: { a: 1 } }).map((e) => e.path)).toEqual(
      ["/configSchema/type"],
    );
  });

  it("accepts defaultConfig without configSchema", () => {
    expect(errorsFor({ defaultConfig: { anything: [1, 2] } })).toEqual([]);
  });

  it("paramsSchema must be valid, in either form", () => {
    expect(errorsFor({ paramsSchema: { type: "object" } })).toEqual([]);
    expect(errorsFor({ paramsSchema: { type: 5 } })[0]?.path).toBe("/paramsSchema/type");
    expect(errorsFor({ paramsSchema: { actions: { send: { required: "x" } } } })).toEqual([
      { path: "/paramsSchema/actions/send/required", message: "must be array" },
    ]);
  });

  it.each([
    ["/abs.js", /absolute/],
    ["../up.js", /"\.\." segment/],
    ["a/../../up.js", /"\.\." segment/],
    ["a\\b.js", /backslash/],
    ["C:/x.js", /drive letter/],
    ["a\u0000.js", /control/],
    ["a\u0007.js", /control/],
    ["a//b.js", /empty segment/],
    ["index.ts", /\.js or \.mjs/],
    ["index", /\.js or \.mjs/],
  ])("entryPoint %j is rejected", (entryPoint, reason) => {
    const errors = errorsFor({ entryPoint });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: "/entryPoint", message: expect.stringMatching(reason) });
  });

  it("entryPoint ./x is normalised in the returned manifest", () => {
    expect(validateManifest({ ...base, entryPoint: "./dist/index.mjs" }).manifest?.entryPoint).toBe(
      "dist/index.mjs",
    );
  });

  it("dependencies must have unique names (case-insensitive)", () => {
    const errors = errorsFor({
      dependencies: [
        { name: "http", version: "^1" },
        { name: "HTTP", version: "^2" },
        { name: "other", version: "*" },
        { name: "http", version: "^3" },
      ],
    });
    expect(errors).toEqual([
      { path: "/dependencies/1/name", message: 'duplicates /dependencies/0/name ("HTTP")' },
      { path: "/dependencies/3/name", message: 'duplicates /dependencies/0/name ("http")' },
    ]);
  });

  it("a plugin must not depend on itself", () => {
    expect(errorsFor({ dependencies: [{ name: "slack", version: "^1" }] })).toEqual([
      { path: "/dependencies/0/name", message: "must not be the plugin itself" },
    ]);
  });

  it("resources must parse to usable amounts", () => {
    expect(errorsFor({ resources: { memory: "99999999999999999999Gi" } })).toEqual([
      { path: "/resources/memory", message: "must be a byte quantity that fits" },
    ]);
    expect(errorsFor({ resources: { memory: "1Ki" } })).toEqual([
      { path: "/resources/memory", message: "must be at least 1Mi" },
    ]);
    expect(errorsFor({ resources: { disk: "0" } })).toEqual([
      { path: "/resources/disk", message: "must be at least 1Mi" },
    ]);
    expect(errorsFor({ resources: { cpu: "0" } })).toEqual([
      { path: "/resources/cpu", message: "must be more than 0 cores" },
    ]);
    expect(errorsFor({ resources: { cpu: "0m" } })).toEqual([
      { path: "/resources/cpu", message: "must be more than 0 cores" },
    ]);
    expect(errorsFor({ resources: { memory: "1Mi", cpu: "1m" } })).toEqual([]);
  });

  it("nameKey folds case and Unicode forms", () => {
    expect(nameKey("Ｓlack")).toBe(nameKey("slack"));
    expect(nameKey("Cafe\u0301")).toBe(nameKey("café"));
  });
});

describe("validateManifest: hostile input", () => {
  it("refuses deep nesting in a free-form field", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i += 1) deep = { d: deep };
    expect(
      validateManifest({ ...base, defaultConfig: deep as Record<string, unknown> }).errors[0]?.message,
    ).toMatch(/deeper than 64/);
  });

  it("refuses values JSON cannot hold", () => {
    expect(validateManifest({ ...base, defaultConfig: { f: () => 1 } }).errors).toEqual([
      { path: "/defaultConfig/f", message: "must be a JSON value, not a function" },
    ]);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(validateManifest({ ...base, defaultConfig: cyclic }).valid).toBe(false);
  });

  it("treats __proto__ as a plain (unknown) key", () => {
    const input = JSON.parse(
      '{"name":"a","version":"1.0.0","pluginType":"ci","entryPoint":"a.js","__proto__":{"x":1}}',
    );
    expect(validateManifest(input).errors).toEqual([
      { path: "/__proto__", message: "is not an allowed property" },
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("caps the number of errors", () => {
    const tags = Array.from({ length: 20 }, () => "");
    const deps = Array.from({ length: 200 }, () => ({ name: "", version: "" }));
    const errors = validateManifest({ ...base, tags, dependencies: deps }).errors;
    expect(errors.length).toBeLessThanOrEqual(100);
  });

  it("never throws on random JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const result = validateManifest(value);
        expect(result.valid).toBe(result.errors.length === 0);
        expect(result.manifest === null).toBe(!result.valid);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on random objects shaped like manifests", () => {
    const anyField = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.record(
          {
            name: anyField,
            version: anyField,
            pluginType: fc.oneof(anyField, fc.constantFrom(...PLUGIN_TYPES)),
            entryPoint: anyField,
            dependencies: fc.oneof(anyField, fc.array(fc.record({ name: anyField, version: anyField }))),
            configSchema: anyField,
            paramsSchema: anyField,
            defaultConfig: anyField,
            resources: fc.oneof(anyField, fc.record({ cpu: anyField, memory: anyField, disk: anyField })),
          },
          { requiredKeys: [] },
        ),
        (value) => {
          const result = validateManifest(value);
          expect(result.valid).toBe(result.errors.length === 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("never throws on random text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        expect(validateManifestJson(text).valid).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

const segment = fc.stringMatching(/^[a-z0-9_-]{1,10}$/);
const validManifest = fc
  .record({
    name: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,39}$/).filter(isPluginName),
    version: fc
      .tuple(fc.nat(999), fc.nat(999), fc.nat(999), fc.constantFrom("", "-rc.1", "-alpha", "+build.7"))
      .map(([a, b, c, suffix]) => `${a}.${b}.${c}${suffix}`),
    pluginType: fc.constantFrom(...PLUGIN_TYPES),
    folders: fc.array(segment, { maxLength: 3 }),
    file: segment,
    ext: fc.constantFrom(".js", ".mjs"),
    dotSlash: fc.boolean(),
    description: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    tags: fc.option(fc.array(fc.string({ minLength: 1, maxLength: 50 }), { maxLength: 20 }), {
      nil: undefined,
    }),
    deps: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { maxLength: 5 }),
    config: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
    perAction: fc.boolean(),
    memoryMi: fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
    milliCpu: fc.option(fc.integer({ min: 1, max: 8000 }), { nil: undefined }),
  })
  .map((g) => {
    const m: Record<string, unknown> = {
      name: g.name,
      version: g.version,
      pluginType: g.pluginType,
      entryPoint: `${g.dotSlash ? "./" : ""}${[...g.folders, `${g.file}${g.ext}`].join("/")}`,
      dependencies: g.deps
        .filter((d) => nameKey(d) !== nameKey(g.name))
        .map((name) => ({ name, version: "^1.0.0" })),
      configSchema: {
        type: "object",
        properties: Object.fromEntries(Object.keys(g.config).map((k) => [k, { type: "string" }])),
        required: Object.keys(g.config),
      },
      defaultConfig: g.config,
      paramsSchema: g.perAction ? { actions: { run: { type: "object" } } } : { type: "object" },
    };
    if (g.description !== undefined) m.description = g.description;
    if (g.tags !== undefined) m.tags = g.tags;
    if (g.memoryMi !== undefined || g.milliCpu !== undefined) {
      m.resources = {
        ...(g.memoryMi === undefined ? {} : { memory: `${g.memoryMi}Mi` }),
        ...(g.milliCpu === undefined ? {} : { cpu: `${g.milliCpu}m` }),
      };
    }
    return m;
  });

describe("validateManifest: generated valid manifests", () => {
  it("validate, with the entryPoint normalised", () => {
    fc.assert(
      fc.property(validManifest, (m) => {
        const result = validateManifest(m);
        expect(result.errors).toEqual([]);
        expect(result.manifest?.entryPoint).toBe(String(m.entryPoint).replace(/^\.\//, ""));
        // and survive a trip through JSON text
        expect(validateManifestJson(JSON.stringify(m)).valid).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("assertValidManifest", () => {
  it("returns the manifest or throws MANIFEST_INVALID with every error", () => {
    expect(assertValidManifest(validateManifest(base))).toEqual(base);
    let caught: unknown;
    try {
      assertValidManifest(validateManifestJson("{}"), "the manifest field");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ code: "MANIFEST_INVALID", message: "the manifest field is invalid" });
    expect((caught as AppError).errors).toHaveLength(4);
    expect((caught as AppError).detail).toContain("/version: is required");
  });
});

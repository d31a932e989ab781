import { describe, expect, it } from "vitest";
import { validateManifest } from "../manifest/validate-manifest.js";
import { validateJsonSchemaDocument } from "./schema-compiler.js";
import {
  hasSecretFields,
  mapSecretValues,
  maskSecrets,
  mergeMasked,
  SECRET_MASK,
  sealedConfigSchema,
  secretFields,
  secretSchemaProblems,
} from "./secret-fields.js";
import { validateConfig, validateStoredConfig } from "./validate-config.js";

const schema = {
  type: "object",
  required: ["webhookUrl"],
  properties: {
    webhookUrl: { type: "string", format: "uri", "x-secret": true },
    channel: { type: "string" },
    slack: {
      type: "object",
      properties: {
        token: { type: "string", writeOnly: true },
        team: { type: "string" },
        oauth: { type: "object", "x-secret": true, properties: { clientId: { type: "string" } } },
      },
    },
    notSecret: { type: "string", "x-secret": false, writeOnly: false },
  },
};

const config = {
  webhookUrl: "https://hooks.slack.com/services/T/B/secret-1",
  channel: "#ops",
  slack: { token: "xoxb-secret-2", team: "T1", oauth: { clientId: "secret-3" } },
  notSecret: "visible",
};

describe("secretFields", () => {
  it("finds writeOnly and x-secret properties, nested objects too; a marked object is one field", () => {
    expect(secretFields(schema)).toEqual([
      { path: ["webhookUrl"], pointer: "/webhookUrl" },
      { path: ["slack", "token"], pointer: "/slack/token" },
      { path: ["slack", "oauth"], pointer: "/slack/oauth" },
    ]);
    expect(hasSecretFields(schema)).toBe(true);
  });

  it("finds none without a schema or marks", () => {
    expect(secretFields(null)).toEqual([]);
    expect(secretFields(true)).toEqual([]);
    expect(hasSecretFields({ type: "object", properties: { a: { type: "string" } } })).toBe(false);
  });

  it("escapes pointer tokens (RFC 6901)", () => {
    expect(secretFields({ properties: { "a/b~c": { writeOnly: true } } })).toEqual([
      { path: ["a/b~c"], pointer: "/a~1b~0c" },
    ]);
  });
});

describe("maskSecrets", () => {
  it("replaces every secret value present by the mask and changes nothing else", () => {
    const masked = maskSecrets(schema, config);
    expect(masked).toEqual({
      webhookUrl: SECRET_MASK,
      channel: "#ops",
      slack: { token: SECRET_MASK, team: "T1", oauth: SECRET_MASK },
      notSecret: "visible",
    });
    expect(JSON.stringify(masked)).not.toMatch(/secret-\d/);
  });

  it("never changes its input, and leaves absent fields absent", () => {
    const input = structuredClone(config);
    maskSecrets(schema, input);
    expect(input).toEqual(config);
    expect(maskSecrets(schema, { channel: "#x" })).toEqual({ channel: "#x" });
    expect(maskSecrets(schema, { slack: "not an object" })).toEqual({ slack: "not an object" });
  });

  it("masks values of any type (a number, null, an object)", () => {
    const s = { properties: { pin: { "x-secret": true }, n: { writeOnly: true } } };
    expect(maskSecrets(s, { pin: 1234, n: null })).toEqual({ pin: SECRET_MASK, n: SECRET_MASK });
  });
});

describe("mergeMasked (PUT /config with masked values)", () => {
  it("keeps the stored value where the client sent the mask back", () => {
    const incoming = { ...maskSecrets(schema, config), channel: "#general" };
    expect(mergeMasked(schema, incoming, config)).toEqual({ ...config, channel: "#general" });
  });

  it("takes a new value where the client sent one", () => {
    const incoming = { ...maskSecrets(schema, config), webhookUrl: "https://hooks.example/new" };
    expect(mergeMasked(schema, incoming, config).webhookUrl).toBe("https://hooks.example/new");
  });

  it("drops a masked field with nothing stored, so the mask is never stored as a value", () => {
    const merged = mergeMasked(schema, { webhookUrl: SECRET_MASK, channel: "#x" }, { channel: "#y" });
    expect(merged).toEqual({ channel: "#x" });
    expect(mergeMasked(schema, { webhookUrl: SECRET_MASK }, null)).toEqual({});
    // ... and then the schema reports what is missing.
    expect(validateConfig(schema, merged)).toEqual([{ path: "/webhookUrl", message: "is required" }]);
  });

  it("leaves the mask alone in fields that are not secret (it is just a string there)", () => {
    expect(mergeMasked(schema, { channel: SECRET_MASK }, { channel: "#y" })).toEqual({
      channel: SECRET_MASK,
    });
  });

  it("omitting a secret field removes it (the mask, not absence, means keep)", () => {
    expect(mergeMasked(schema, { channel: "#x" }, config)).toEqual({ channel: "#x" });
  });
});

describe("mapSecretValues", () => {
  it("hands each present secret with its field to the function; undefined drops the field", () => {
    const seen: string[] = [];
    const out = mapSecretValues(schema, config, (value, field) => {
      seen.push(field.pointer);
      return field.pointer === "/slack/oauth" ? undefined : `enc(${String(value)})`;
    });
    expect(seen).toEqual(["/webhookUrl", "/slack/token", "/slack/oauth"]);
    expect(out).toEqual({
      webhookUrl: `enc(${config.webhookUrl})`,
      channel: "#ops",
      slack: { token: "enc(xoxb-secret-2)", team: "T1" },
      notSecret: "visible",
    });
  });
});

describe("secretSchemaProblems", () => {
  it("accepts marks reached through properties", () => {
    expect(secretSchemaProblems(schema, "/configSchema")).toEqual([]);
  });

  it("refuses marks that name no single config field, and non-boolean x-secret", () => {
    const bad = {
      type: "object",
      $defs: { token: { type: "string", writeOnly: true } },
      properties: {
        list: { type: "array", items: { type: "object", properties: { key: { "x-secret": true } } } },
        ref: { $ref: "#/$defs/token" },
        either: { oneOf: [{ type: "string", writeOnly: true }, { type: "number" }] },
        map: { type: "object", additionalProperties: { type: "string", "x-secret": true } },
        whole: { type: "object", "x-secret": true, properties: { inner: { writeOnly: true } } },
        odd: { type: "string", "x-secret": "yes" },
        // data, not schema: ignored
        fixed: { const: { writeOnly: true } },
        default: { type: "string", "x-secret": true },
      },
    };
    expect(secretSchemaProblems(bad, "/configSchema").map((p) => p.path)).toEqual([
      "/configSchema/$defs/token",
      "/configSchema/properties/list/items/properties/key",
      "/configSchema/properties/either/oneOf/0",
      "/configSchema/properties/map/additionalProperties",
      "/configSchema/properties/whole/properties/inner",
      "/configSchema/properties/odd/x-secret",
    ]);
  });
});

describe("manifests may use x-secret and writeOnly", () => {
  it("as a JSON Schema document (unknown keywords are annotations, strict mode is off)", () => {
    expect(validateJsonSchemaDocument(schema, "/configSchema")).toEqual([]);
    for (const $schema of [
      "http://json-schema.org/draft-07/schema#",
      "https://json-schema.org/draft/2019-09/schema",
      "https://json-schema.org/draft/2020-12/schema",
    ]) {
      expect(validateJsonSchemaDocument({ ...schema, $schema }, "/configSchema")).toEqual([]);
    }
  });

  it("in a manifest's configSchema, with the config validated as usual", () => {
    const result = validateManifest({
      name: "slack",
      version: "1.0.0",
      pluginType: "notify",
      entryPoint: "index.js",
      configSchema: schema,
    });
    expect(result).toMatchObject({ valid: true, errors: [] });
    expect(validateConfig(schema, config)).toEqual([]);
    expect(validateConfig(schema, { ...config, webhookUrl: "not a url" })).toEqual([
      { path: "/webhookUrl", message: "must be a valid uri" },
    ]);
  });
});

describe("validateStoredConfig (a config whose secrets are ciphertexts)", () => {
  const schema = {
    type: "object",
    properties: {
      url: { type: "string", format: "uri", writeOnly: true },
      slack: { type: "object", properties: { token: { type: "string", pattern: "^xox", "x-secret": true } } },
      timeoutMs: { type: "integer", maximum: 1000 },
    },
    required: ["url"],
    additionalProperties: false,
  };
  const sealed = { url: "arcade:enc:v1:k1:AAAA", slack: { token: "arcade:enc:v1:k1:BBBB" }, timeoutMs: 5 };

  it("skips the secrets' contents and checks everything else, required secrets included", () => {
    expect(validateStoredConfig(schema, sealed)).toEqual([]);
    expect(validateStoredConfig(schema, { ...sealed, timeoutMs: 5000 }).map((e) => e.path)).toEqual([
      "/timeoutMs",
    ]);
    expect(validateStoredConfig(schema, { timeoutMs: 5 }).map((e) => e.path)).toEqual(["/url"]);
    expect(validateStoredConfig(schema, { ...sealed, extra: 1 }).length).toBe(1);
    // The full schema refuses a ciphertext where an xox token belongs (a ciphertext is a
    // syntactically valid URI): PUT checks the plain value before it is sealed.
    expect(validateConfig(schema, sealed).map((e) => e.path)).toEqual(["/slack/token"]);
  });

  it("leaves a schema without secrets as it is", () => {
    const plain = { type: "object", properties: { a: { type: "string" } } };
    expect(sealedConfigSchema(plain)).toBe(plain);
    expect(sealedConfigSchema(schema)).not.toBe(schema);
    expect(sealedConfigSchema(schema)).toBe(sealedConfigSchema(schema));
    expect((schema.properties.url as { format?: string }).format).toBe("uri");
  });
});

import { describe, expect, it } from "vitest";
import { dialectOf } from "./schema-dialect.js";

describe("dialectOf", () => {
  it("defaults to draft-07", () => expect(dialectOf({})).toBe("draft-07"));

  it("recognises the supported $schema URIs with or without # and https", () => {
    expect(dialectOf({ $schema: "http://json-schema.org/draft-07/schema#" })).toBe("draft-07");
    expect(dialectOf({ $schema: "https://json-schema.org/draft-07/schema" })).toBe("draft-07");
    expect(dialectOf({ $schema: "https://json-schema.org/draft/2019-09/schema" })).toBe("2019-09");
    expect(dialectOf({ $schema: "https://json-schema.org/draft/2020-12/schema#" })).toBe("2020-12");
  });

  it("refuses anything else", () => {
    expect(dialectOf({ $schema: "http://json-schema.org/draft-04/schema#" })).toBeNull();
    expect(dialectOf({ $schema: 7 })).toBeNull();
    expect(dialectOf({ $schema: "https://json-schema.org/draft-07/schema#x" })).toBeNull();
  });
});

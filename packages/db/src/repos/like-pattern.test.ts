import { describe, expect, it } from "vitest";
import { containsPattern } from "./like-pattern.js";

describe("containsPattern", () => {
  it("lower-cases and wraps in %", () => {
    expect(containsPattern("Slack")).toBe("%slack%");
  });

  it("escapes LIKE wildcards and the escape character itself", () => {
    expect(containsPattern("50%_off!")).toBe("%50!%!_off!!%");
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SLUG_MAX_LENGTH, slugify } from "./slugify.js";

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

describe("slugify", () => {
  it.each([
    ["Slack", "slack"],
    ["Slack Notifier", "slack-notifier"],
    ["  --Slack!!  Notifier--  ", "slack-notifier"],
    ["my_plugin.v2", "my-plugin-v2"],
    ["CI/CD Helper", "ci-cd-helper"],
    ["Crème Brûlée", "creme-brulee"],
    ["Ångström Über Çava", "angstrom-uber-cava"],
    ["ＡＢＣ１２３", "abc123"],
    ["ﬁle", "file"],
    ["Straße", "strasse"],
    ["Æsir Œuvre Øl", "aesir-oeuvre-ol"],
    ["Łódź Þing", "lodz-thing"],
    ["日本 Plugin", "plugin"],
    ["a😀b", "a-b"],
  ])("%j -> %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("cuts at most 40 characters at a dash when that keeps at least half", () => {
    const name = "alpha bravo charlie delta echo foxtrot golf hotel";
    const slug = slugify(name);
    expect(slug).toBe("alpha-bravo-charlie-delta-echo-foxtrot");
    expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH);
  });

  it("keeps a whole word that ends exactly at 40", () => {
    const forty = `${"a".repeat(25)}-${"b".repeat(14)}`;
    expect(slugify(`${forty} tail`)).toBe(forty);
  });

  it("cuts hard at 40 when there is no useful dash", () => {
    expect(slugify("x".repeat(60))).toBe("x".repeat(40));
    expect(slugify(`ab ${"y".repeat(60)}`)).toBe(`ab-${"y".repeat(37)}`);
  });

  it("never ends with a dash after cutting", () => {
    expect(slugify(`${"a".repeat(39)} b`)).toBe("a".repeat(39));
  });

  it("falls back to a short stable hash for names with no ASCII letters or digits", () => {
    const cjk = slugify("日本語プラグイン");
    expect(cjk).toMatch(/^x[0-9a-f]{8}$/);
    expect(slugify("日本語プラグイン")).toBe(cjk);
    expect(slugify("中文插件")).not.toBe(cjk);
    expect(slugify("😀🎉")).toMatch(/^x[0-9a-f]{8}$/);
    expect(slugify("---")).toMatch(/^x[0-9a-f]{8}$/);
    expect(slugify("")).toMatch(/^x[0-9a-f]{8}$/);
  });

  it("hashes the NFC form, so equal-looking names get equal slugs", () => {
    expect(slugify("\u304c")).toBe(slugify("\u304b\u3099")); // が precomposed vs decomposed
  });

  it("always gives a dash-separated [a-z0-9] slug of 1-40 characters", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" })),
        (name) => {
          const slug = slugify(name);
          expect(slug).toMatch(SLUG);
          expect(slug.length).toBeGreaterThan(0);
          expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("is idempotent on its own output", () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const slug = slugify(name);
        expect(slugify(slug)).toBe(slug);
      }),
    );
  });
});

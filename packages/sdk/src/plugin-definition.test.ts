import { REQUIRED_ACTIONS } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { definePlugin, type PluginContext, REQUIRED_ACTION_NAMES } from "./plugin-definition.js";

describe("definePlugin", () => {
  it("keeps the type-level required actions equal to the platform's REQUIRED_ACTIONS", () => {
    expect(REQUIRED_ACTION_NAMES).toEqual(REQUIRED_ACTIONS);
  });

  it("returns the definition unchanged, so the default export stays a plain object", () => {
    const def = {
      actions: { send: async () => ({ delivered: true }), sendTemplate: async () => ({ delivered: true }) },
    };
    expect(definePlugin<"notify">(def)).toBe(def);
  });

  it("type-checks the required actions of each pluginType (checked by tsc, not at run time)", () => {
    definePlugin({
      pluginType: "notify",
      actions: { send: async () => ({}), sendTemplate: async () => ({}), extra: async () => 1 },
    });

    definePlugin({
      pluginType: "notify",
      // @ts-expect-error a notify plugin without sendTemplate does not compile
      actions: { send: async () => ({}) },
    });

    // @ts-expect-error the explicit type argument checks the same way
    definePlugin<"ci">({ actions: { build: async () => ({}), test: async () => ({}) } });

    definePlugin<"custom">({ actions: { execute: async () => ({}) } });

    definePlugin({
      pluginType: "custom",
      actions: {
        execute: async () => ({}),
        // @ts-expect-error an action must be a function
        notAFunction: 42,
      },
    });
    expect(true).toBe(true);
  });

  it("types ctx.config with the Config argument and lets actions annotate their params", () => {
    interface Config {
      prefix: string;
    }
    const def = definePlugin<"custom", Config>({
      init(ctx) {
        const prefix: string = ctx.config.prefix;
        // @ts-expect-error unknown config keys are rejected
        void ctx.config.missing;
        ctx.logger.debug(prefix, { at: "init" });
      },
      actions: {
        async execute(params: { name: string }, ctx: PluginContext<Config>) {
          return `${ctx.config.prefix} ${params.name}`;
        },
      },
    });
    expect(typeof def.actions.execute).toBe("function");
  });
});

// The first code a plugin's worker thread runs. Plain JavaScript on purpose: the
// thread starts without any TypeScript loader, whatever ran the parent process.
// Message shapes: protocol.ts beside this file.
import { parentPort, workerData } from "node:worker_threads";

const { entryUrl, pluginId, version, config, requiredActions } = workerData;
const port = parentPort;

// Not a security boundary, but a plugin must not take the whole node down by accident.
process.kill = () => {
  throw new Error("process.kill is not available to plugins");
};
process.abort = () => {
  throw new Error("process.abort is not available to plugins");
};

function serializeError(error) {
  if (error instanceof Error) {
    const out = { message: error.message, name: error.name };
    if (typeof error.stack === "string") out.stack = error.stack;
    if (typeof error.code === "string") out.code = error.code;
    return out;
  }
  return { message: String(error), name: "Error" };
}

// Log fields cross a thread boundary: keep what structured clone accepts, stringify the rest.
function cloneableFields(fields) {
  try {
    return structuredClone(fields);
  } catch {
    try {
      return JSON.parse(JSON.stringify(fields));
    } catch {
      return { fields: String(fields) };
    }
  }
}

// Accepts both the SDK order (message, fields) and the pino order (fields, message).
function createLogger(bindings) {
  const at = (level) => (first, second) => {
    let msg;
    let fields;
    if (typeof first === "string") {
      msg = first;
      if (second !== null && typeof second === "object") fields = second;
    } else if (first instanceof Error) {
      msg = typeof second === "string" ? second : first.message;
      fields = { err: serializeError(first) };
    } else if (first !== null && typeof first === "object") {
      msg = typeof second === "string" ? second : "";
      fields = first;
    } else {
      msg = String(first);
    }
    const merged = fields || bindings ? { ...bindings, ...fields } : undefined;
    port.postMessage({ type: "log", level, msg, fields: merged && cloneableFields(merged) });
  };
  return {
    trace: at("debug"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("error"),
    child: (more) => createLogger({ ...bindings, ...more }),
  };
}

const ctx = Object.freeze({ pluginId, version, config, logger: createLogger(undefined) });

async function load() {
  let mod;
  try {
    mod = await import(entryUrl);
  } catch (error) {
    return { type: "load-error", stage: "import", error: serializeError(error) };
  }
  const plugin = mod.default;
  const shapeError = (message) => ({
    type: "load-error",
    stage: "shape",
    error: { message, name: "TypeError" },
  });
  if (plugin === null || typeof plugin !== "object") {
    return shapeError("the entry module has no default export object ({ init, actions, cleanup })");
  }
  if (plugin.actions === null || typeof plugin.actions !== "object") {
    return shapeError("the default export has no `actions` object");
  }
  for (const hook of ["init", "cleanup"]) {
    if (plugin[hook] !== undefined && typeof plugin[hook] !== "function") {
      return shapeError(`\`${hook}\` of the default export is not a function`);
    }
  }
  const actions = Object.keys(plugin.actions).filter((name) => typeof plugin.actions[name] === "function");
  const missing = requiredActions.filter((name) => !actions.includes(name));
  if (missing.length > 0) {
    return {
      type: "load-error",
      stage: "shape",
      missing,
      error: { message: `missing required actions: ${missing.join(", ")}`, name: "TypeError" },
    };
  }
  try {
    await plugin.init?.(ctx);
  } catch (error) {
    return { type: "load-error", stage: "init", error: serializeError(error) };
  }
  serve(plugin);
  return { type: "ready", actions };
}

async function invoke(plugin, { id, action, params }) {
  const handler = plugin.actions[action];
  let result;
  try {
    if (typeof handler !== "function") throw new Error(`the plugin has no action "${action}"`);
    result = await plugin.actions[action](params, ctx);
  } catch (error) {
    port.postMessage({ type: "result", id, ok: false, error: serializeError(error) });
    return;
  }
  try {
    port.postMessage({ type: "result", id, ok: true, result });
  } catch (error) {
    port.postMessage({
      type: "result",
      id,
      ok: false,
      notCloneable: true,
      error: {
        message: `the result of action "${action}" cannot be sent back (it must be structured-cloneable data, no functions or class instances with private state): ${error.message}`,
        name: "DataCloneError",
      },
    });
  }
}

async function cleanup(plugin) {
  try {
    await plugin.cleanup?.();
    port.postMessage({ type: "cleaned" });
  } catch (error) {
    port.postMessage({ type: "cleaned", error: serializeError(error) });
  }
}

let served = null;

function serve(plugin) {
  served = plugin;
}

// Listening from the start also keeps the thread alive while init awaits a promise
// that never settles: that must end in the load timeout, not in a silent exit.
port.on("message", (message) => {
  if (served === null) return;
  if (message.type === "invoke") void invoke(served, message);
  else if (message.type === "cleanup") void cleanup(served);
});

port.postMessage(await load());

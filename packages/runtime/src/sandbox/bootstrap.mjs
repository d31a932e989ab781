// The first code a plugin's process runs. Plain JavaScript on purpose: the process
// starts without any TypeScript loader, whatever ran the parent, and it must work the
// same from src/ and from a compiled dist/ (see bootstrap-path.ts).
// The process runs under Node's permission model (flags chosen by launch-args.ts):
// this file only speaks the protocol (protocol.ts beside it) and reports denials.
// Nothing here is a security boundary; the flags, the OS user and the rlimits are.

// MALLOC_ARENA_MAX is for glibc at start-up (it keeps the address space small enough to
// bound with RLIMIT_AS); the plugin sees only the variables its manifest declares.
for (const name of Object.keys(process.env)) delete process.env[name];

// Signals to other processes are not the plugin's business (every plugin runs as the
// same OS user, so the kernel would let one signal another). A JavaScript-level guard.
for (const name of ["kill", "_kill"]) {
  Object.defineProperty(process, name, {
    value: () => {
      throw new Error("process.kill is not available to plugins");
    },
    writable: false,
    configurable: false,
  });
}

const send = (message) => {
  if (process.connected) process.send(message);
};

/** How the permission model (or the platform) refused something, as `fs.read /etc/hostname`; null otherwise. */
function describeDenial(error, depth = 0) {
  if (error === null || typeof error !== "object" || depth > 5) return null;
  if (error.code === "PERMISSION_DENIED" && typeof error.denied === "string") return error.denied;
  if (error.code === "ERR_ACCESS_DENIED") {
    const resource = typeof error.resource === "string" ? error.resource : "";
    switch (error.permission) {
      case "FileSystemRead":
        return `fs.read ${resource}`.trim();
      case "FileSystemWrite":
        return `fs.write ${resource}`.trim();
      case "ChildProcess":
        return "child_process";
      case "WorkerThreads":
        return "worker_threads";
      case "Inspector":
        return "inspector";
      case "WASI":
        return "wasi";
      case "FFI":
        return "ffi";
      case "Net":
        return `net ${resource}`.trim();
      default:
        break;
    }
    // A refused socket wraps the permission error: `connect ERR_ACCESS_DENIED`, address and port beside it.
    if (typeof error.address === "string") {
      return `net ${error.address}${typeof error.port === "number" ? `:${error.port}` : ""}`;
    }
    const inner = describeDenial(error.errno, depth + 1);
    if (inner) return inner;
    if (/process\.binding/.test(String(error.message))) return "process.binding";
    return `access denied: ${String(error.message).slice(0, 200)}`;
  }
  if (error.code === "ERR_DLOPEN_DISABLED") return "addons";
  if (error.name === "EvalError" && /Code generation from strings disallowed/.test(String(error.message))) {
    return "eval";
  }
  return (
    describeDenial(error.cause, depth + 1) ??
    (typeof error.errno === "object" ? describeDenial(error.errno, depth + 1) : null) ??
    (Array.isArray(error.errors)
      ? error.errors.map((e) => describeDenial(e, depth + 1)).find(Boolean)
      : null) ??
    null
  );
}

function serializeError(error) {
  if (error instanceof Error) {
    const out = { message: error.message, name: error.name };
    if (typeof error.stack === "string") out.stack = error.stack;
    if (typeof error.code === "string") out.code = error.code;
    return out;
  }
  return { message: String(error), name: "Error" };
}

/** The error as it crosses to the parent, with the denial (if any) named. */
function failure(error) {
  const out = serializeError(error);
  const denied = describeDenial(error);
  if (denied) {
    out.denied = denied;
    // ctx.fetch denials were counted by the parent when it refused them.
    if (error?.countedByParent === true || error?.cause?.countedByParent === true) out.counted = true;
  }
  return out;
}

// Log fields cross a process boundary: keep what structured clone accepts, stringify the rest.
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
    send({ type: "log", level, msg, fields: merged && cloneableFields(merged) });
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

// --- fetch through the parent -------------------------------------------------------------
// The process has no network (unless an admin approved raw sockets): the parent makes each
// request after checking host:port against permissions.network.hosts.

const localFetch = globalThis.fetch;
const pendingFetches = new Map();
let nextFetchId = 0;

async function proxiedFetch(input, init) {
  const request = new Request(input, init);
  const url = new URL(request.url);
  // data: and blob: URLs need no network: the built-in fetch answers them in-process.
  if (url.protocol === "data:" || url.protocol === "blob:") return localFetch(request);
  const signal = request.signal;
  signal.throwIfAborted();
  const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
  const id = ++nextFetchId;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      pendingFetches.delete(id);
      send({ type: "fetch-abort", id });
      reject(signal.reason);
    };
    pendingFetches.set(id, { resolve, reject, signal, onAbort });
    signal.addEventListener("abort", onAbort, { once: true });
    send({
      type: "fetch",
      id,
      url: request.url,
      method: request.method,
      headers: [...request.headers],
      body,
      redirect: request.redirect,
    });
  });
}

function settleFetch(message) {
  const waiter = pendingFetches.get(message.id);
  if (!waiter) return;
  pendingFetches.delete(message.id);
  waiter.signal.removeEventListener("abort", waiter.onAbort);
  if (message.ok) {
    const nullBody = [101, 103, 204, 205, 304].includes(message.status);
    const response = new Response(nullBody ? null : message.body, {
      status: message.status,
      statusText: message.statusText,
      headers: message.headers,
    });
    Object.defineProperty(response, "url", { value: message.url });
    Object.defineProperty(response, "redirected", { value: message.redirected });
    waiter.resolve(response);
    return;
  }
  if (message.denied) {
    const error = new Error(`permission denied: ${message.denied} (${message.error})`);
    error.name = "PermissionDeniedError";
    error.code = "PERMISSION_DENIED";
    error.denied = message.denied;
    error.countedByParent = true;
    waiter.reject(error);
    return;
  }
  waiter.reject(new TypeError("fetch failed", { cause: new Error(message.error) }));
}

// Plugins written for Node's global fetch keep working, within their declared hosts.
globalThis.fetch = proxiedFetch;

// --- the plugin -----------------------------------------------------------------------------

let ctx = null;
let served = null;

async function load(init) {
  for (const [name, value] of Object.entries(init.env)) process.env[name] = value;
  ctx = Object.freeze({
    pluginId: init.pluginId,
    version: init.version,
    config: init.config,
    logger: createLogger(undefined),
    fetch: proxiedFetch,
  });
  let mod;
  try {
    mod = await import(init.entryUrl);
  } catch (error) {
    return { type: "load-error", stage: "import", error: failure(error) };
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
  const missing = init.requiredActions.filter((name) => !actions.includes(name));
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
    return { type: "load-error", stage: "init", error: failure(error) };
  }
  served = plugin;
  return { type: "ready", actions };
}

async function invoke({ id, action, params }) {
  const handler = served.actions[action];
  let result;
  try {
    if (typeof handler !== "function") throw new Error(`the plugin has no action "${action}"`);
    result = await served.actions[action](params, ctx);
  } catch (error) {
    send({ type: "result", id, ok: false, error: failure(error) });
    return;
  }
  try {
    process.send({ type: "result", id, ok: true, result });
  } catch (error) {
    send({
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

async function cleanup() {
  try {
    await served?.cleanup?.();
    send({ type: "cleaned" });
  } catch (error) {
    send({ type: "cleaned", error: serializeError(error) });
  }
}

// An uncaught throw ends the process (as Node would), but the parent first learns why,
// including a denial the plugin did not catch.
function fatal(error) {
  try {
    if (process.connected) {
      process.send({ type: "fatal", error: failure(error) }, () => process.exit(70));
      setTimeout(() => process.exit(70), 1000).unref();
      return;
    }
  } catch {}
  process.exit(70);
}
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);

let initialised = false;
// The IPC channel keeps the process alive while init awaits a promise that never
// settles: that must end in the load timeout, not in a silent exit.
process.on("message", (message) => {
  switch (message?.type) {
    case "init":
      if (initialised) return;
      initialised = true;
      void load(message).then((answer) => send(answer));
      return;
    case "invoke":
      if (served) void invoke(message);
      return;
    case "fetch-result":
      settleFetch(message);
      return;
    case "cleanup":
      void cleanup();
      return;
    default:
      return;
  }
});
// The parent is gone: nothing can call this plugin any more.
process.on("disconnect", () => process.exit(0));

send({ type: "hello", pid: process.pid });

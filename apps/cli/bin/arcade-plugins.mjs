#!/usr/bin/env node
// The package ships TypeScript source: register tsx (resolved from this package, whatever the
// current directory) and run the entry point.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");

// Preloaded into every process the harness starts (node --import). If the test process dies
// without stopping its children (SIGKILL, crash), the child is re-parented; it notices here and
// exits, so a broken test run never leaves servers behind. Changes nothing else.
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid !== parent) process.exit(70);
}, 1000);
timer.unref();

import { afterEach } from 'vitest';

// Many CLI tests block their worker in spawnSync, and awaiting between tests only runs microtasks, so a
// file of them can keep the worker's event loop from reading vitest's replies for over a minute; vitest
// then fails the run with "Timeout calling onTaskUpdate" although every test passed. One turn of the
// event loop (setImmediate runs after the poll phase) between tests lets the replies in.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

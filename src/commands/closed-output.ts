/**
 * A reader that stops reading (`cone run … | head`, `| true`) is not an error of the run: the work
 * goes on and the command exits with its own code, printing nothing more.
 *
 * Without a listener, the EPIPE of a write to a closed pipe is an 'error' event nobody handles, so
 * Node raises it as an uncaught exception: a stack and exit 1, or, once the wasm backend is loaded,
 * exit 7 with its minified source, because that Emscripten module registers an 'uncaughtException'
 * handler that rethrows everything. Listening here keeps the EPIPE from ever being uncaught.
 */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', onOutputError);
}

function onOutputError(e: NodeJS.ErrnoException): void {
  // Anything else on stdout/stderr stays what it was without a listener: an uncaught exception.
  if (e.code !== 'EPIPE') throw e;
}

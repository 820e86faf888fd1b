/** The compute backends `--backend` and the spec's `backend` accept; `auto` picks the best that starts. */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

export type BackendChoice = (typeof BACKEND_NAMES)[number];

import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
  /** Fraction of the summed kernel time. */
  share: number;
}

/**
 * Runs `work` under tf.profile and sums kernel time per kernel name, largest first. The cpu, wasm and
 * tensorflow backends run kernels synchronously, so each kernel's wall time is its own cost.
 */
export async function profileKernels(work: () => Promise<unknown>): Promise<KernelTime[]> {
  const info = await tf.profile(async () => {
    await work();
    return [];
  });
  const backend = tf.getBackend();
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    // Composite ops with a custom gradient (e.g. fusedMatMul__op) are listed too, around the kernels
    // they run: keep real kernels only so no time is counted twice.
    if (tf.getKernel(k.name, backend) === undefined) continue;
    const entry = byName.get(k.name) ?? { calls: 0, ms: 0 };
    entry.calls += 1;
    entry.ms += Number(k.kernelTimeMs);
    byName.set(k.name, entry);
  }
  const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
  return [...byName.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: e.ms, share: total > 0 ? e.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

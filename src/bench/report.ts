import type { KernelTime } from './profile.js';
import type { StepTimes } from './measure.js';
import type { BenchComparison, BenchResult } from './run.js';

/** Kernels listed per profile in the text report (the JSON has all of them). */
const TOP_KERNELS = 8;

function mb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MB`;
}

function times(t: StepTimes): string {
  return `median ${t.median_ms.toFixed(1)} ms (min ${t.min_ms.toFixed(1)}, max ${t.max_ms.toFixed(1)})`;
}

function kernels(label: string, list: KernelTime[]): string {
  const top = list
    .slice(0, TOP_KERNELS)
    .map((k) => `${k.kernel} ${(100 * k.share).toFixed(0)}% (${k.ms.toFixed(1)} ms, ${k.calls}×)`);
  return `  kernels (${label}, one step): ${top.join(', ')}`;
}

/** A one-line warning when the live tensor count grew over the timed steps, else null. */
export function leakWarning(r: BenchResult): string | null {
  return r.tensor_growth === 0
    ? null
    : `${r.backend}: ${r.tensor_growth} tensors leaked over ${r.steps} training steps + ${r.steps} inference passes`;
}

/** Human-readable lines for one result. */
export function formatBench(r: BenchResult): string[] {
  const lines: string[] = [];
  lines.push(
    `${r.model} on ${r.backend} (${r.threads} thread${r.threads === 1 ? '' : 's'}; ${r.backend_detail}), ` +
      `batch ${r.batch}, ${r.optimizer}, ${r.parameters.toLocaleString('en-US')} parameters, ${r.steps} steps after ${r.warmup} warm-up`,
    `  train  ${times(r.train_step_ms)} per step   ${r.train_images_per_s.toFixed(1)} images/s`,
    `  infer  ${times(r.infer_step_ms)} per pass   ${r.infer_images_per_s.toFixed(1)} images/s`,
    `  memory peak RSS ${mb(r.peak_rss_bytes)}` +
      (r.wasm_heap_bytes === null ? '' : `, wasm heap ${mb(r.wasm_heap_bytes)}`) +
      `, estimated training step ${mb(r.estimated_training_bytes)}`,
    `  tensors ${r.tensors_before} before, ${r.tensors_after} after`,
  );
  if (r.kernel_profile) {
    lines.push(kernels('train', r.kernel_profile.train), kernels('infer', r.kernel_profile.infer));
  }
  return lines;
}

export function formatComparison(c: BenchComparison): string[] {
  return [
    ...formatBench(c),
    ...formatBench(c.compare),
    `${c.backend} / ${c.compare.backend}: train ${c.ratio.train.toFixed(2)}×, infer ${c.ratio.infer.toFixed(2)}×`,
  ];
}

import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { initBackend, type BackendChoice } from '../backend/select.js';
import { checkBenchSettings, measureBench, type BenchMeasurement, type BenchSettings } from './measure.js';

export interface BenchOptions extends BenchSettings {
  backend: BackendChoice;
  /** wasm threads (default: the backend's choice, the number of cores). */
  threads?: number;
  log?: (message: string) => void;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  tfjs: string;
}

/** One benchmark on one backend: the JSON `cone bench --json` prints (bench/torch_reference.py prints the same keys). */
export interface BenchResult extends BenchMeasurement {
  /** The backend that actually ran (auto resolved). */
  backend: string;
  threads: number;
  backend_detail: string;
  machine: MachineInfo;
}

export interface BenchComparison extends BenchResult {
  compare: BenchResult;
  /** This backend's throughput over the compared backend's (>1: this one is faster). */
  ratio: { train: number; infer: number };
}

function machineInfo(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
    tfjs: tf.version.tfjs,
  };
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  checkBenchSettings(opts);
  const backend = await initBackend({ backend: opts.backend, threads: opts.threads, log: opts.log });
  const measurement = await measureBench(opts);
  return {
    backend: backend.name,
    threads: backend.threads,
    backend_detail: backend.detail,
    machine: machineInfo(),
    ...measurement,
  };
}

/** Runs the benchmark on `opts.backend`, then on `other` in the same process, and relates the two. */
export async function compareBench(opts: BenchOptions, other: BackendChoice): Promise<BenchComparison> {
  const first = await runBench(opts);
  const second = await runBench({ ...opts, backend: other });
  return {
    ...first,
    compare: second,
    ratio: {
      train: first.train_images_per_s / second.train_images_per_s,
      infer: first.infer_images_per_s / second.infer_images_per_s,
    },
  };
}

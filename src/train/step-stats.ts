import * as tf from '@tensorflow/tfjs';

/** One training step's two numbers, as read back. */
export interface StepStat {
  /** The batch's mean loss. */
  loss: number;
  /** Correct predictions in the batch. */
  hits: number;
}

/**
 * The [batch loss, hits] pairs of recent steps, kept on the device until read: a GPU is not made to
 * wait for every step's two numbers (on wasm a read-back costs nothing, on a GPU it stalls the
 * queue). One read returns every pair as a read after each step would have, so the trainer sums the
 * same numbers in the same order (in JavaScript, float64) however often it reads.
 */
export class PendingStepStats {
  private pending: tf.Tensor1D[] = [];

  get size(): number {
    return this.pending.length;
  }

  /** Takes ownership of a step's [loss, hits] tensor. */
  push(stats: tf.Tensor1D): void {
    this.pending.push(stats);
  }

  /** The pending steps' numbers, oldest first, in one asynchronous read-back; the tensors are released. */
  async read(): Promise<StepStat[]> {
    if (this.pending.length === 0) return [];
    const taken = this.pending;
    this.pending = [];
    let stacked: tf.Tensor | null = null;
    try {
      stacked = tf.stack(taken);
      const values = await stacked.data();
      return taken.map((_, i) => ({ loss: values[2 * i], hits: values[2 * i + 1] }));
    } finally {
      stacked?.dispose();
      tf.dispose(taken);
    }
  }

  dispose(): void {
    tf.dispose(this.pending);
    this.pending = [];
  }
}

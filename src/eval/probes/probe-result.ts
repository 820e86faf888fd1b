/** One probe's outcome: a row of probe.csv plus the settings that produced it. */
export interface ProbeResult {
  /** 'linear', 'knn', 'knn-weighted', 'ncc' or 'kmeans'. */
  probe: string;
  /** Fraction in [0, 1]. */
  accuracy: number;
  settings: Record<string, string | number>;
}

/** Fraction of positions where the two label arrays agree. */
export function accuracy(predicted: Int32Array, labels: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / labels.length;
}

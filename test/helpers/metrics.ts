/** metrics.csv rows without the timing columns, which differ between any two runs. */
export function withoutTimings(rows: Record<string, string>[]): Record<string, string>[] {
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'seconds' && k !== 'images_per_s')),
  );
}

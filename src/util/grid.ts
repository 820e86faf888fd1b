/** What places a group of cells in a suite's grid: its dataset and the grid fields it was given. */
export interface GridPlace {
  dataset: string;
  overrides: Record<string, unknown>;
}

/**
 * Two groups are comparable when they share the dataset and agree on every grid field both have;
 * a field only one has is a parameter of its method alone (a theta grid does not split ce's cells).
 * Shared by summary.md (suite/) and report.html (report/), so both pair the same groups.
 */
export function comparable(a: GridPlace, b: GridPlace): boolean {
  if (a.dataset !== b.dataset) return false;
  return Object.keys(a.overrides)
    .filter((k) => k in b.overrides)
    .every((k) => JSON.stringify(a.overrides[k]) === JSON.stringify(b.overrides[k]));
}

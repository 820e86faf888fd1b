import { markdownTable } from 'markdown-table';

/** Tables on the terminal are Markdown, so they read well there and paste into notes and issues. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  return markdownTable([header, ...rows.map((r) => r.map(String))]) + '\n';
}

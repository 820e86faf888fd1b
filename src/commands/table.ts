import { markdownTable } from 'markdown-table';

/** Tables on the terminal are Markdown, so they read well there and paste into notes and issues. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  return markdownTable([header, ...rows.map((r) => r.map(String))]) + '\n';
}

/** Words of `text` in lines of at most `width` characters, each after `indent` (a longer word keeps its own line). */
export function wrapText(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * A definitions file (docs/ENDPOINTS.md) as the desktop window edits it: one text per endpoint.
 * The main process joins the texts to check, apply and save them; the window splits an imported
 * file and joins the texts to export them. Each endpoint keeps the layout its author gave it.
 */
import { parseTree } from 'jsonc-parser';

/** The indent of each endpoint's lines in a saved or exported file. */
const FILE_INDENT = '    ';

/**
 * Each endpoint's text in `file`, re-indented to start at column 0; null when the file is not
 * JSON with an `endpoints` list (the loader says why, where).
 */
export function splitEndpointTexts(file: string): string[] | null {
  const tree = parseTree(file, [], { allowTrailingComma: false, disallowComments: true });
  if (tree?.type !== 'object') return null;
  const list = tree.children?.find((property) => property.children?.[0]?.value === 'endpoints')?.children?.[1];
  if (list?.type !== 'array') return null;
  return (list.children ?? []).map((node) => {
    const column = node.offset - (file.lastIndexOf('\n', node.offset - 1) + 1);
    return outdent(file.slice(node.offset, node.offset + node.length), column);
  });
}

/** A whole definitions file of these endpoint texts, as saved and exported. */
export function joinEndpointTexts(texts: readonly string[]): string {
  if (texts.length === 0) return '{\n  "endpoints": []\n}\n';
  const indented = texts.map((text) => text.trim().replace(/^/gm, FILE_INDENT));
  return `{\n  "endpoints": [\n${indented.join(',\n')}\n  ]\n}\n`;
}

/**
 * The texts joined into one definitions text, with where each starts, so that a problem found in
 * the whole can be placed in its endpoint's text. A line break in JSON is only ever whitespace,
 * so texts are joined as they are.
 */
export function joinForChecking(texts: readonly string[]): { text: string; starts: number[] } {
  const head = '{"endpoints":[\n';
  const starts: number[] = [];
  let text = head;
  texts.forEach((part, index) => {
    if (index > 0) text += ',\n';
    starts.push(text.length);
    text += part;
  });
  return { text: `${text}\n]}`, starts };
}

/** Removes up to `column` leading spaces from every line after the first. */
function outdent(text: string, column: number): string {
  if (column === 0) return text;
  const leading = new RegExp(`\\n[ \\t]{0,${column}}`, 'g');
  return text.replace(leading, '\n');
}

/**
 * The editor of one endpoint's definition: CodeMirror 6 with JSON, and the problems the main
 * process finds (syntax and schema, docs/endpoints.schema.json) marked where they are. Bundled on
 * its own (endpoint-editor.js) and loaded only when the desktop window opens its Endpoints panel,
 * so LAN browsers never download it. Tab is left to move focus (no indent-with-Tab), so the editor
 * is never a keyboard trap.
 *
 * It lives in a shadow root: CodeMirror styles a document through a <style> element, which the
 * page's CSP (style-src 'self') refuses, and a shadow root through a constructed stylesheet,
 * which the CSP allows. The page's colour variables reach inside; its rules do not, hence `theme`.
 */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter, lintKeymap, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { tags } from '@lezer/highlight';

/** A problem in the text: where it is and what it is. */
export interface EditorProblem {
  offset: number;
  length: number;
  message: string;
}

export interface EndpointEditorOptions {
  /** What names the editor (aria-label: an id reference cannot reach into the shadow root). */
  label: string;
  /** What CodeMirror itself says (its lint panel, its search), in the page's language. */
  phrases: Record<string, string>;
  onChange: (text: string) => void;
  /** The problem the text has, or null; asked a moment after each change. */
  check: (text: string) => Promise<EditorProblem | null>;
}

export interface EndpointEditor {
  readonly text: string;
  /** Shows another text (another endpoint), with an empty undo history. */
  show(text: string): void;
  /** Names the editor again, and speaks another language. */
  setWords(label: string, phrases: Record<string, string>): void;
  focus(): void;
}

/** How long after the last keystroke the text is checked. */
const CHECK_DELAY_MS = 300;

const theme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--panel)', color: 'var(--text)', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'var(--mono)' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--row-alt)' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '-2px' },
});

/** JSON's colours from the page's theme (styles.css), so both themes keep their contrast. */
const jsonColours = HighlightStyle.define([
  { tag: tags.propertyName, color: 'var(--code-key)' },
  { tag: tags.string, color: 'var(--code-string)' },
  { tag: tags.number, color: 'var(--code-number)' },
  { tag: [tags.bool, tags.null], color: 'var(--code-keyword)' },
]);

export function createEndpointEditor(parent: HTMLElement, options: EndpointEditorOptions): EndpointEditor {
  const words = new Compartment();
  const wordsOf = (label: string, phrases: Record<string, string>) => [
    // tabindex: axe counts a contenteditable as focusable only when it says so.
    EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
    EditorState.phrases.of(phrases),
  ];
  let current = { label: options.label, phrases: options.phrases };
  const stateOf = (text: string) =>
    EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        history(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        // The panel is a narrow column; templates are long lines.
        EditorView.lineWrapping,
        syntaxHighlighting(jsonColours),
        json(),
        lintGutter(),
        linter(
          async (view) => {
            const problem = await options.check(view.state.doc.toString());
            return problem === null ? [] : [diagnostic(problem, view.state.doc.length)];
          },
          { delay: CHECK_DELAY_MS },
        ),
        keymap.of([...defaultKeymap, ...historyKeymap, ...lintKeymap]),
        theme,
        EditorView.updateListener.of((update) => {
          if (update.docChanged) options.onChange(update.state.doc.toString());
        }),
        words.of(wordsOf(current.label, current.phrases)),
      ],
    });
  const root = parent.attachShadow({ mode: 'open' });
  const view = new EditorView({ state: stateOf(''), parent: root, root });
  return {
    get text() {
      return view.state.doc.toString();
    },
    show: (text) => view.setState(stateOf(text)),
    setWords(label, phrases) {
      if (label === current.label && phrases === current.phrases) return;
      current = { label, phrases };
      view.dispatch({ effects: words.reconfigure(wordsOf(label, phrases)) });
    },
    focus: () => view.focus(),
  };
}

function diagnostic(problem: EditorProblem, end: number): Diagnostic {
  const from = Math.min(problem.offset, end);
  return { from, to: Math.min(from + Math.max(problem.length, 1), end), severity: 'error', message: problem.message };
}

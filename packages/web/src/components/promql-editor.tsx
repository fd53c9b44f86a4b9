import { useEffect, useRef } from 'react';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderExt } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { autocompletion, closeBrackets, closeBracketsKeymap, closeCompletion, completionKeymap } from '@codemirror/autocomplete';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap } from '@codemirror/lint';
import { tags } from '@lezer/highlight';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';

/**
 * One PromQL extension for every editor on the page: its Prometheus client caches metric
 * names, labels and metadata (5 minutes), so a second query does not ask the server again.
 * It talks to this server's /api/v1 (same origin; `vite dev` proxies /api).
 */
let shared: PromQLExtension | null = null;
function promql(): PromQLExtension {
  shared ??= new PromQLExtension().setComplete({
    remote: {
      url: window.location.origin,
      // Failed look-ups only cost completions; the query itself reports its own errors.
      httpErrorHandler: () => undefined,
    },
    maxMetricsMetadata: 10_000,
  });
  return shared;
}

const highlight = HighlightStyle.define([
  { tag: tags.variableName, color: 'var(--pq-metric)' },
  { tag: tags.function(tags.variableName), color: 'var(--pq-function)' },
  { tag: tags.operatorKeyword, color: 'var(--pq-keyword)', fontWeight: '600' },
  { tag: tags.logicOperator, color: 'var(--pq-keyword)' },
  { tag: tags.labelName, color: 'var(--pq-label)' },
  { tag: tags.string, color: 'var(--pq-string)' },
  { tag: tags.number, color: 'var(--pq-number)' },
  { tag: tags.operator, color: 'var(--pq-operator)' },
  { tag: tags.modifier, color: 'var(--pq-keyword)' },
  { tag: tags.comment, color: 'var(--text-muted)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'var(--error)' },
]);

const theme = EditorView.theme({
  '&': { fontSize: '13px', backgroundColor: 'var(--bg)', color: 'var(--text)', border: '1px solid var(--border-strong)', borderRadius: '6px' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '-1px' },
  '.cm-content': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', padding: '6px 0', caretColor: 'var(--text-strong)' },
  '.cm-line': { padding: '0 8px' },
  '.cm-placeholder': { color: 'var(--text-muted)' },
  '.cm-tooltip': { backgroundColor: 'var(--surface)', border: '1px solid var(--border-strong)', color: 'var(--text)' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--accent-soft)', color: 'var(--text-strong)' },
  '.cm-completionDetail': { color: 'var(--text-muted)', fontStyle: 'normal', marginLeft: '8px' },
  '.cm-completionInfo': { backgroundColor: 'var(--surface)', border: '1px solid var(--border-strong)', maxWidth: '420px' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--error)' },
  '.cm-matchingBracket': { backgroundColor: 'var(--accent-soft)', outline: 'none' },
});

interface PromQLEditorProps {
  value: string;
  onChange(value: string): void;
  /** Shift+Enter or Ctrl/⌘+Enter. */
  onRun(): void;
  ariaLabel: string;
  autoFocus?: boolean;
  /** Receives the editor view (null on unmount), e.g. to insert text at the cursor. */
  onView?(view: EditorView | null): void;
  onFocus?(): void;
}

/**
 * CodeMirror 6 with the Prometheus project's PromQL mode: highlighting, completion of
 * functions, metric names, label names and values from the server, and lint errors inline.
 * Controlled: a `value` that differs from the text (metric browser, back button) replaces it.
 */
export function PromQLEditor({ value, onChange, onRun, ariaLabel, autoFocus = false, onView, onFocus }: PromQLEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onRun, onView, onFocus });
  callbacks.current = { onChange, onRun, onView, onFocus };

  useEffect(() => {
    const run = (v: EditorView) => {
      closeCompletion(v);
      callbacks.current.onRun();
      return true;
    };
    const state = EditorState.create({
      doc: value,
      extensions: [
        history(),
        closeBrackets(),
        bracketMatching(),
        autocompletion({ activateOnTyping: true, icons: false }),
        syntaxHighlighting(highlight),
        placeholderExt('PromQL expression, e.g. rate(http_server_requests_total[5m])  —  Shift+Enter runs'),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': ariaLabel, 'data-testid': 'promql-input' }),
        theme,
        promql().asExtension(),
        // Before the default keymap (Enter = newline) and completion (Enter = accept).
        Prec.highest(keymap.of([{ key: 'Shift-Enter', run }, { key: 'Mod-Enter', run }])),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) callbacks.current.onChange(u.state.doc.toString());
          if (u.focusChanged && u.view.hasFocus) callbacks.current.onFocus?.();
        }),
      ],
    });
    const v = new EditorView({ state, parent: host.current! });
    view.current = v;
    callbacks.current.onView?.(v);
    if (autoFocus) v.focus();
    return () => {
      callbacks.current.onView?.(null);
      v.destroy();
      view.current = null;
    };
    // The editor is created once; `value` changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ariaLabel]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current !== value) v.dispatch({ changes: { from: 0, to: current.length, insert: value }, selection: { anchor: value.length } });
  }, [value]);

  return <div ref={host} className="promql-editor" />;
}

/**
 * Mermaid's own parser under Node: mermaid 11 parses sequence diagrams without a DOM, but its state
 * diagram code calls DOMPurify at load time, which needs a window; happy-dom provides one. The DOM is
 * installed before mermaid is imported (DOMPurify binds to `window` when its module loads).
 */
import { Window } from 'happy-dom';

let mermaidP: Promise<{ parse: (text: string) => Promise<unknown> }> | undefined;

async function load() {
  const g = globalThis as Record<string, unknown>;
  if (!g.window) {
    const win = new Window();
    g.window = win;
    g.document = win.document;
  }
  const m = await import('mermaid');
  return m.default as unknown as { parse: (text: string) => Promise<unknown> };
}

/** Parse one diagram; resolves to null if valid, else Mermaid's error message. */
export async function mermaidError(text: string): Promise<string | null> {
  mermaidP ??= load();
  const mermaid = await mermaidP;
  try {
    await mermaid.parse(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The ```mermaid blocks of a Markdown text. */
export function mermaidBlocks(md: string): string[] {
  return [...md.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

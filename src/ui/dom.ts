/** Small DOM helpers shared by the pages, and the page contract main.ts drives. */
import { ApiError } from './api.js';
import { esc, LOOKBACKS } from './format.js';

export interface PageContext {
  /** The element the page renders into (emptied before each page). */
  root: HTMLElement;
  /** Aborted when the user leaves the page: pass it to fetches, check it before rendering late answers. */
  signal: AbortSignal;
  url: URL;
  /** Goes to another page of the UI (history entry, re-render). */
  navigate(href: string, opts?: { replace?: boolean }): void;
  /** Changes the query string of the current page without re-rendering it. */
  setQuery(params: URLSearchParams, opts?: { replace?: boolean }): void;
}

/** A page renders into ctx.root and may return a cleanup function (listeners outside root). */
export type Page = (ctx: PageContext) => void | (() => void);

export function el<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const e = root.querySelector<T & Element>(selector);
  if (!e) throw new Error(`missing element ${selector}`);
  return e as T;
}

export function isAbort(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError';
}

export function errorHtml(err: unknown): string {
  const msg = err instanceof ApiError ? `${err.message} (HTTP ${err.status})` : (err as Error)?.message ?? String(err);
  return `<div class="error-box" role="alert">${esc(msg)}</div>`;
}

export function lookbackOptions(selected: string): string {
  return LOOKBACKS.map(([v, label]) => `<option value="${v}"${v === selected ? ' selected' : ''}>${esc(label)}</option>`).join('');
}

export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number): (...a: A) => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    if (t !== undefined) clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

export function setTitle(...parts: string[]): void {
  document.title = [...parts.filter(Boolean), 'Honeyray'].join(' · ');
}

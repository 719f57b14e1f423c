/** The single-page app: a tiny history router over the pages. */
import type { Page, PageContext } from './dom.js';
import { renderCompare } from './pages/compare.js';
import { renderHome } from './pages/home.js';
import { renderMap } from './pages/map.js';
import { renderQuery } from './pages/query.js';
import { renderSearch } from './pages/search.js';
import { renderTrace } from './pages/trace.js';
import { renderXray } from './pages/xray.js';

const app = document.getElementById('app')!;
let current: { abort: AbortController; cleanup?: (() => void) | void } | null = null;

function route(path: string): { page: Page; nav: string } | null {
  if (path === '/' || path === '/search') return { page: renderSearch, nav: 'search' };
  if (path.startsWith('/trace/')) return { page: renderTrace, nav: 'trace' };
  if (path === '/compare') return { page: renderCompare, nav: 'trace' };
  if (path === '/home') return { page: renderHome, nav: 'home' };
  if (path === '/map') return { page: renderMap, nav: 'map' };
  if (path === '/query') return { page: renderQuery, nav: 'query' };
  if (path === '/xray') return { page: renderXray, nav: 'xray' };
  return null;
}

function notFound(ctx: PageContext): void {
  ctx.root.innerHTML = `<section class="page narrow"><h1>Page not found</h1><p><a href="/">Search traces</a></p></section>`;
}

function render(): void {
  current?.abort.abort();
  if (current?.cleanup) current.cleanup();
  const abort = new AbortController();
  current = { abort };
  const url = new URL(location.href);
  const r = route(url.pathname.replace(/\/+$/, '') || '/');
  for (const a of document.querySelectorAll<HTMLAnchorElement>('.topnav a[data-nav]')) {
    a.classList.toggle('active', a.dataset.nav === r?.nav);
  }
  app.innerHTML = '';
  const ctx: PageContext = {
    root: app,
    signal: abort.signal,
    url,
    navigate,
    setQuery(params, opts) {
      const q = params.toString();
      const href = location.pathname + (q ? `?${q}` : '');
      if (opts?.replace) history.replaceState(null, '', href);
      else history.pushState(null, '', href);
    },
  };
  current.cleanup = (r?.page ?? notFound)(ctx);
}

function navigate(href: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.scrollTo(0, 0);
  render();
}

// Same-origin links navigate inside the app (modifier keys and targets keep the browser's behaviour).
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  // Also SVG <a> (service map nodes): read attributes, not HTMLAnchorElement properties.
  const a = (e.target as Element).closest?.('a');
  const href = a?.getAttribute('href');
  if (!a || !href || href.startsWith('#') || a.getAttribute('target') || a.hasAttribute('download')) return;
  const u = new URL(href, location.href);
  if (u.origin !== location.origin || !route(u.pathname.replace(/\/+$/, '') || '/')) return;
  e.preventDefault();
  if (u.href !== location.href) navigate(u.pathname + u.search + u.hash);
});
window.addEventListener('popstate', render);

// "Go to trace": any id form the API accepts (32 or 16 hex, X-Ray ids).
const lookup = document.getElementById('trace-lookup') as HTMLFormElement | null;
lookup?.addEventListener('submit', (e) => {
  e.preventDefault();
  const input = lookup.querySelector('input')!;
  const id = input.value.trim();
  if (id) {
    input.value = '';
    navigate(`/trace/${encodeURIComponent(id)}`);
  }
});

// Light or dark: the saved choice, else the system's.
const THEME_KEY = 'honeyray.theme';
const applyTheme = (t: string) => {
  document.documentElement.dataset.theme = t;
  const b = document.getElementById('theme-toggle');
  if (b) b.textContent = t === 'dark' ? '☀' : '☾';
};
applyTheme(localStorage.getItem(THEME_KEY) ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
document.getElementById('theme-toggle')?.addEventListener('click', () => {
  const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
});

render();

#!/usr/bin/env node
// Builds the web UI into dist/ui: esbuild bundles src/ui/main.ts (Preact, uPlot, dagre and the pages;
// pages loaded on demand are split into chunks) into browser ES modules plus main.css (the CSS the
// modules import, e.g. uPlot's), then src/ui/static (index.html, styles.css, favicon) is copied beside
// them. Type checking is `tsc -p tsconfig.ui.json` (noEmit), run before this by `npm run build`.
// Nothing is fetched at run time: the UI works offline, no CDN.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const src = (p) => fileURLToPath(new URL(`../src/ui/${p}`, import.meta.url));
const out = fileURLToPath(new URL('../dist/ui/', import.meta.url));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: { main: src('main.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  chunkNames: 'chunks/[name]-[hash]',
  tsconfig: fileURLToPath(new URL('../tsconfig.ui.json', import.meta.url)),
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
cpSync(src('static/'), out, { recursive: true });

if (process.env.HONEYRAY_UI_SIZES) {
  for (const [file, o] of Object.entries(result.metafile.outputs)) console.log(`${file}\t${o.bytes}`);
}

#!/usr/bin/env node
// Copies the web UI's static files (src/ui/static: index.html, styles.css, favicon) to dist/ui, beside
// the modules tsconfig.ui.json compiles there. Part of `npm run build`.
import { cpSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../src/ui/static/', import.meta.url));
const to = fileURLToPath(new URL('../dist/ui/', import.meta.url));
mkdirSync(to, { recursive: true });
cpSync(from, to, { recursive: true });

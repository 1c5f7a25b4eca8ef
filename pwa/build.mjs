// Build the web app into dist/: hashed JS, CSS and icons under dist/assets/, the service worker
// (dist/sw.js, served at /sw.js), the web app manifest, and dist/asset-manifest.json listing them
// for the server's HTML shell. Code splitting: the entry (app-*.js) is what the shell loads; what only
// some screens need (the QR decoder, the readable copy, the FHIR export) is imported on first use from
// chunks (chunk-*.js). Every chunk is in the service worker's precache and has .br and .gz twins.

import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const DIST = 'dist';
const ASSETS = join(DIST, 'assets');
const hash = (data) => createHash('sha256').update(data).digest('hex').slice(0, 10);

rmSync(DIST, { recursive: true, force: true });
mkdirSync(ASSETS, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: 'src/main.jsx' },
  bundle: true,
  minify: true,
  // Code splitting: what only some screens need (the QR decoder, imported by lib/qr.js when a scan
  // starts) goes into its own chunk, fetched on first use; the service worker precaches every chunk.
  splitting: true,
  format: 'esm',
  target: ['es2022', 'chrome100', 'safari15', 'firefox100'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: DIST,
  entryNames: 'assets/[name]-[hash]',
  chunkNames: 'assets/chunk-[hash]',
  assetNames: 'assets/[name]-[hash]',
  loader: { '.json': 'json' },
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  metafile: true,
  legalComments: 'linked',
  charset: 'utf8',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((path) => path.replace(`${DIST}/`, ''));
const entry = Object.entries(result.metafile.outputs).find(([, out]) => out.entryPoint === 'src/main.jsx');
const js = entry[0].replace(`${DIST}/`, '');
const chunks = outputs.filter((p) => p.endsWith('.js') && p !== js).sort();
const css = outputs.find((p) => p.endsWith('.css'));
/** The npm package a bundled file comes from ("jsqr", "@scope/name"), or null for our own source. */
const packageOf = (input) => {
  if (!input.includes('node_modules/')) return null;
  const parts = input.split('node_modules/').pop().split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
};
/** What each chunk holds: npm packages and our own source files (read by the tests and the bench). */
const atStart = new Set(entry[1].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path.replace(`${DIST}/`, '')));
// Packages most visits need soon after the app starts, though the first screens do not: PouchDB, fetched when
// the first database opens. The shell the service worker keeps preloads their chunk; the first screen's does not.
const SOON_AFTER_START = new Set(['pouchdb-browser']);
const chunkContents = {};
for (const chunk of chunks) {
  const inputs = Object.keys(result.metafile.outputs[`${DIST}/${chunk}`].inputs);
  const soon = inputs.some((input) => SOON_AFTER_START.has(packageOf(input)));
  chunkContents[`/${chunk}`] = {
    loaded: atStart.has(chunk) ? 'at start' : soon ? 'soon after start' : 'on first use',
    packages: [...new Set(inputs.map(packageOf).filter(Boolean))].sort(),
    sources: inputs.filter((input) => input.startsWith('src/')).sort(),
  };
}

const icons = {};
for (const name of readdirSync('public')) {
  const data = readFileSync(join('public', name));
  const hashed = `assets/${basename(name, extname(name))}-${hash(data)}${extname(name)}`;
  copyFileSync(join('public', name), join(DIST, hashed));
  icons[name] = hashed;
}

const manifest = {
  name: 'Alongside',
  short_name: 'Alongside',
  description: 'Plans written together, kept safe, working with no signal.',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  background_color: '#ffffff',
  theme_color: '#1d4d4f',
  icons: [
    { src: `/${icons['icon.svg']}`, sizes: 'any', type: 'image/svg+xml' },
    { src: `/${icons['icon-192.png']}`, sizes: '192x192', type: 'image/png' },
    { src: `/${icons['icon-512.png']}`, sizes: '512x512', type: 'image/png' },
    { src: `/${icons['icon-maskable-512.png']}`, sizes: '512x512', type: 'image/png', purpose: 'maskable' },
  ],
};
const manifestText = JSON.stringify(manifest, null, 2);
writeFileSync(join(DIST, 'manifest.webmanifest'), manifestText);
// The same app under a neutral name and a plain notebook icon, linked instead when the person chooses
// the neutral name on their phone (the app swaps <link rel=manifest> and the icons; see docs/app.md).
const neutralManifest = {
  ...manifest,
  name: 'Notes',
  short_name: 'Notes',
  description: 'Notes',
  theme_color: '#5f6368',
  icons: [
    { src: `/${icons['notes-icon.svg']}`, sizes: 'any', type: 'image/svg+xml' },
    { src: `/${icons['notes-icon-192.png']}`, sizes: '192x192', type: 'image/png' },
    { src: `/${icons['notes-icon-512.png']}`, sizes: '512x512', type: 'image/png' },
  ],
};
writeFileSync(join(DIST, 'manifest-neutral.webmanifest'), JSON.stringify(neutralManifest, null, 2));

const assetFiles = [...outputs.filter((p) => !p.endsWith('.map')), ...Object.values(icons)].sort();
const version = hash(assetFiles.join('\n') + manifestText + readFileSync('src/sw.js'));
const precache = ['/', '/manifest.webmanifest', '/manifest-neutral.webmanifest', ...assetFiles.filter((p) => !p.endsWith('.txt')).map((p) => `/${p}`)];
const sw = readFileSync('src/sw.js', 'utf8').replace('__VERSION__', version).replace('__PRECACHE__', JSON.stringify(precache));
writeFileSync(join(DIST, 'sw.js'), sw);

const sizes = {};
for (const file of [js, css, ...chunks]) {
  const data = readFileSync(join(DIST, file));
  const gzipped = gzipSync(data, { level: 9 });
  // Served as-is to browsers that accept them (server/pages.py), so scripts cross the wire compressed: brotli
  // where the browser takes it (every current one over HTTPS), gzip otherwise.
  const brotli = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  writeFileSync(join(DIST, `${file}.gz`), gzipped);
  writeFileSync(join(DIST, `${file}.br`), brotli);
  sizes[file] = { bytes: data.length, gzip: gzipped.length, br: brotli.length };
}
// The words of the first screens (the frame, the welcome, and the top of the join screen a join link opens on) in
// each language, for the server to draw in the HTML shell of a browser that never opened the app
// (server/first_screen.py): taken from the catalogs, English where a catalog lacks one, so the shell says exactly
// what the app would.
const FIRST_SCREEN = {
  skip: 'skip',
  exit: 'exit.button',
  exit_hint: 'exit.hint',
  app: 'app.name',
  settings: 'settings.link',
  title: 'welcome.title',
  intro: 'welcome.intro',
  enrol: 'welcome.enrol',
  join: 'welcome.join',
  back: 'back',
  join_title: 'join.title',
  join_intro: 'join.intro',
};
const english = JSON.parse(readFileSync('src/i18n/en.json', 'utf8'));
const firstScreen = {};
for (const lang of ['en', 'cy', 'ar']) {
  const catalog = JSON.parse(readFileSync(`src/i18n/${lang}.json`, 'utf8'));
  firstScreen[lang] = Object.fromEntries(Object.entries(FIRST_SCREEN).map(([name, key]) => [name, catalog[key] ?? english[key]]));
}
writeFileSync(
  join(DIST, 'asset-manifest.json'),
  JSON.stringify(
    { version, js: `/${js}`, chunks: chunkContents, css: `/${css}`, icons: Object.fromEntries(Object.entries(icons).map(([k, v]) => [k, `/${v}`])), precache, sizes, first_screen: firstScreen },
    null,
    2,
  ),
);
for (const [file, s] of Object.entries(sizes)) console.log(`${file}: ${s.bytes} bytes, ${s.gzip} gzipped, ${s.br} with brotli`);
console.log(`version ${version}`);

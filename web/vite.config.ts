import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { build, defineConfig, type Plugin } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('./dist', import.meta.url));

/**
 * Builds `src/sw.ts` into `dist/sw.js` after the app is written: one self-contained script (a service worker cannot
 * load the app's chunks), given the list of files of this build to keep offline and a build id naming its cache.
 */
function serviceWorker(): Plugin {
  return {
    name: 'backbeat-service-worker',
    apply: 'build',
    async writeBundle(_options, bundle) {
      const assets = Object.keys(bundle)
        .filter((file) => file.startsWith('assets/') && !file.endsWith('.map'))
        .sort();
      const precache = ['/', ...assets.map((file) => `/${file}`)];
      const buildId = createHash('sha256').update(precache.join('\n')).digest('hex').slice(0, 12);
      await build({
        configFile: false,
        root: webRoot,
        logLevel: 'warn',
        publicDir: false,
        define: {
          __BACKBEAT_PRECACHE__: JSON.stringify(precache),
          __BACKBEAT_BUILD__: JSON.stringify(buildId),
        },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          sourcemap: false,
          minify: true,
          lib: {
            entry: fileURLToPath(new URL('./src/sw.ts', import.meta.url)),
            formats: ['iife'],
            name: 'backbeatServiceWorker',
            fileName: () => 'sw.js',
          },
        },
      });
    },
  };
}

/** Vite config for the Backbeat web app: sources in `web/`, built into `web/dist`, `/api` proxied in dev. */
export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react(), serviceWorker()],
  build: {
    outDir,
    emptyOutDir: true,
    // Maps are written for local debugging but not referenced from the bundles, and the server never serves them.
    sourcemap: 'hidden',
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:5006', changeOrigin: false },
    },
  },
});

import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  // Tauri serves dist/ through its own protocol; a fixed port for `tauri dev`.
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything is served from 'self' (strict CSP): no inlined data: assets.
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    // Every vi.fn goes back to its default implementation before each test.
    mockReset: true,
    // Component styles are applied in jsdom, so tests can check e.g. pre-wrap.
    css: { include: [/\.svelte/] },
    // A fixed, non-UTC zone: code that silently converts wall times through the
    // machine's zone shows up as a failure.
    env: { TZ: 'Europe/Berlin' },
  },
});

// Vite builds the dashboard (src/web) into dist/web, which the server serves at `/`.
// `npm run dev` runs this dev server with a proxy to the API (REST, SSE and the terminal WebSockets).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.AREYOUJ_API ?? `http://127.0.0.1:${process.env.AREYOUJ_PORT ?? 3001}`;

export default defineConfig({
  root: 'src/web',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.VITE_PORT ?? 5173),
    proxy: {
      '/api': {
        target: api,
        ws: true,
        changeOrigin: true,
        // The server only accepts its own origin; the proxy speaks for the page.
        configure(proxy) {
          proxy.on('proxyReq', (req) => { if (req.getHeader('origin')) req.setHeader('origin', api); });
          proxy.on('proxyReqWs', (req) => { if (req.getHeader('origin')) req.setHeader('origin', api); });
        },
      },
    },
  },
});

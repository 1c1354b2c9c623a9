import { defineConfig, type Plugin } from "vite";
import uni from "@dcloudio/vite-plugin-uni";

/**
 * uni-h5's CSS preloads navigation-bar shadow images from a DCloud CDN 3 s after the page
 * opens (and uses them for `navigationBarShadow`, which this app does not set). Nothing may
 * be fetched from another host: drop those URLs from the built CSS.
 */
function noCdnImages(): Plugin {
  const CDN = /url\(\s*["']?https:\/\/cdn\.dcloud\.net\.cn\/[^)]*\)/g;
  return {
    name: "pms-no-cdn-images",
    apply: "build",
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === "asset" && file.fileName.endsWith(".css") && typeof file.source === "string") {
          file.source = file.source.replace(CDN, "none");
        }
      }
    },
  };
}

// `uni build -p h5` / `uni build -p mp-weixin` (see ../docs/owner_app.md).
// `uni -p h5` (dev server) proxies the API to `make run` (Django on :8000).
export default defineConfig({
  plugins: [uni(), noCdnImages()],
  server: {
    proxy: {
      "/t/": { target: process.env.PMS_API_ORIGIN || "http://127.0.0.1:8000", changeOrigin: true },
    },
  },
});

/// <reference types="vite/client" />
declare module "*.vue" {
  import type { DefineComponent } from "vue";
  const component: DefineComponent<{}, {}, any>;
  export default component;
}
interface ImportMetaEnv {
  /** API origin for mp-weixin (e.g. https://pms.example.com); empty in H5 = the page's own origin. */
  readonly VITE_PMS_API_ORIGIN?: string;
  /** Tenant slug prefilled on the log-in page. */
  readonly VITE_PMS_TENANT?: string;
  /** Reminders polling interval in ms (default 15000). */
  readonly VITE_PMS_POLL_MS?: string;
  /** "1": H5 offers WeChat log-in through the development fake code2Session client. */
  readonly VITE_PMS_FAKE_WECHAT?: string;
  /** "1" (test builds): the H5 app exposes its API client as window.__pms. */
  readonly VITE_PMS_TEST_HOOKS?: string;
}

/** zh-Hans by default, English second. The API's own messages follow `Accept-Language`. */
import { ref } from "vue";

const zh = {
  "app.title": "民宿管理",
  "tab.overview": "经营概览", "tab.rooms": "房态", "tab.today": "今日", "tab.reminders": "订单提醒", "tab.me": "我的",
  "login.title": "登录", "login.server": "服务器地址", "login.tenant": "商户代码", "login.username": "用户名", "login.password": "密码",
  "login.submit": "登录", "login.wechat": "微信登录", "login.required": "请填写商户代码、用户名和密码",
  "stores.title": "切换门店", "stores.current": "当前", "stores.manage": "店长", "stores.desk": "前台",
  "overview.title": "经营概览", "overview.all": "全部门店", "overview.this": "本店", "overview.today": "今日",
  "overview.mtd": "本月累计", "overview.revenue": "客房收入", "overview.occupancy": "出租率", "overview.adr": "平均房价",
  "overview.revpar": "RevPAR", "overview.sold": "已售/可售间夜", "overview.arrivals": "到店(已入住/应到)",
  "overview.departures": "离店(已退房/应离)", "overview.collections": "收款(按方式)", "overview.net": "净收款",
  "overview.stores": "各门店", "overview.trend": "30 天趋势", "overview.manager_only": "经营数据仅店长和管理员可见",
  "overview.date": "营业日",
  "trend.title": "30 天趋势", "trend.revenue": "客房收入", "trend.occupancy": "出租率",
  "rooms.title": "房态", "rooms.prev": "前一周", "rooms.next": "后一周", "rooms.today": "今天",
  "rooms.V": "空", "rooms.R": "预订", "rooms.O": "在住", "rooms.X": "停用", "rooms.free": "剩余",
  "rooms.stays": "入住记录", "rooms.none": "无",
  "hk.dirty": "脏房", "hk.cleaning": "清扫中", "hk.clean": "干净", "hk.inspected": "已查房",
  "hk.mark_clean": "标记干净", "hk.mark_dirty": "标记脏房", "hk.title": "客房清洁",
  "today.title": "今日", "today.arrivals": "今日到店", "today.in_house": "在住", "today.departures": "今日离店",
  "today.check_in": "办理入住", "today.check_out": "办理退房", "today.overdue": "逾期", "today.due": "待收",
  "today.pick_room": "选择房间", "today.no_room": "未排房", "today.empty": "暂无",
  "today.checked_in": "已入住", "today.checked_out": "已退房", "today.marked": "已更新",
  "reminders.title": "订单提醒", "reminders.empty": "暂无新提醒", "reminders.new": "新", "reminders.mark_read": "全部已读",
  "order.title": "订单详情", "order.code": "订单号", "order.status": "状态", "order.guest": "客人", "order.room": "房间",
  "order.stay": "入住日期", "order.nights": "晚数", "order.total": "总额", "order.paid": "已付", "order.due": "待付",
  "order.channel": "渠道", "order.phone": "电话",
  "me.title": "我的", "me.user": "用户", "me.role": "角色", "me.store": "当前门店", "me.language": "语言",
  "me.logout": "退出登录", "me.switch": "切换", "me.wechat_bind": "绑定微信", "me.wechat_bound": "已绑定微信",
  "role.tenant_admin": "管理员", "role.store_manager": "店长", "role.front_desk": "前台", "role.housekeeping": "客房",
  "status.pending_confirmation": "待确认", "status.confirmed": "已确认", "status.checked_in": "已入住",
  "status.extended": "已续住", "status.checked_out": "已退房", "status.cancelled": "已取消", "status.no_show": "未到店",
  "error.network": "网络错误，请稍后再试", "error.session_expired": "登录已过期，请重新登录",
  "common.loading": "加载中…", "common.retry": "重试", "common.ok": "确定", "common.cancel": "取消",
};
type Key = keyof typeof zh;
const en: Record<Key, string> = {
  "app.title": "Guesthouse",
  "tab.overview": "Overview", "tab.rooms": "Rooms", "tab.today": "Today", "tab.reminders": "Reminders", "tab.me": "Me",
  "login.title": "Log in", "login.server": "Server", "login.tenant": "Company code", "login.username": "User name", "login.password": "Password",
  "login.submit": "Log in", "login.wechat": "Log in with WeChat", "login.required": "Enter the company code, user name and password",
  "stores.title": "Switch store", "stores.current": "Current", "stores.manage": "Manager", "stores.desk": "Front desk",
  "overview.title": "Overview", "overview.all": "All stores", "overview.this": "This store", "overview.today": "Today",
  "overview.mtd": "Month to date", "overview.revenue": "Room revenue", "overview.occupancy": "Occupancy", "overview.adr": "ADR",
  "overview.revpar": "RevPAR", "overview.sold": "Sold / available", "overview.arrivals": "Arrivals (in / due)",
  "overview.departures": "Departures (out / due)", "overview.collections": "Collections by method", "overview.net": "Net collected",
  "overview.stores": "Stores", "overview.trend": "30-day trend", "overview.manager_only": "Figures are for managers and admins",
  "overview.date": "Business date",
  "trend.title": "30-day trend", "trend.revenue": "Room revenue", "trend.occupancy": "Occupancy",
  "rooms.title": "Rooms", "rooms.prev": "Previous week", "rooms.next": "Next week", "rooms.today": "Today",
  "rooms.V": "Vacant", "rooms.R": "Reserved", "rooms.O": "Occupied", "rooms.X": "Out of order", "rooms.free": "Left",
  "rooms.stays": "Stays", "rooms.none": "None",
  "hk.dirty": "Dirty", "hk.cleaning": "Cleaning", "hk.clean": "Clean", "hk.inspected": "Inspected",
  "hk.mark_clean": "Mark clean", "hk.mark_dirty": "Mark dirty", "hk.title": "Housekeeping",
  "today.title": "Today", "today.arrivals": "Arrivals", "today.in_house": "In house", "today.departures": "Departures",
  "today.check_in": "Check in", "today.check_out": "Check out", "today.overdue": "Overdue", "today.due": "Due",
  "today.pick_room": "Pick a room", "today.no_room": "No room", "today.empty": "None",
  "today.checked_in": "Checked in", "today.checked_out": "Checked out", "today.marked": "Updated",
  "reminders.title": "Reminders", "reminders.empty": "Nothing new", "reminders.new": "New", "reminders.mark_read": "Mark all read",
  "order.title": "Order", "order.code": "Code", "order.status": "Status", "order.guest": "Guest", "order.room": "Room",
  "order.stay": "Stay", "order.nights": "Nights", "order.total": "Total", "order.paid": "Paid", "order.due": "Due",
  "order.channel": "Channel", "order.phone": "Phone",
  "me.title": "Me", "me.user": "User", "me.role": "Role", "me.store": "Store", "me.language": "Language",
  "me.logout": "Log out", "me.switch": "Switch", "me.wechat_bind": "Link WeChat", "me.wechat_bound": "WeChat linked",
  "role.tenant_admin": "Admin", "role.store_manager": "Manager", "role.front_desk": "Front desk", "role.housekeeping": "Housekeeping",
  "status.pending_confirmation": "Pending", "status.confirmed": "Confirmed", "status.checked_in": "Checked in",
  "status.extended": "Extended", "status.checked_out": "Checked out", "status.cancelled": "Cancelled", "status.no_show": "No-show",
  "error.network": "Network error, try again", "error.session_expired": "Session expired, log in again",
  "common.loading": "Loading…", "common.retry": "Retry", "common.ok": "OK", "common.cancel": "Cancel",
};

export type Lang = "zh-Hans" | "en";
const stored = (() => { try { return uni.getStorageSync("pms.lang"); } catch { return ""; } })();
export const lang = ref<Lang>(stored === "en" ? "en" : "zh-Hans");

export function t(key: Key | string): string {
  const table = (lang.value === "en" ? en : zh) as Record<string, string>;
  return table[key] ?? key;
}

export function apiLanguage(): string {
  return lang.value === "en" ? "en" : "zh-Hans";
}

export const TABS = ["tab.overview", "tab.rooms", "tab.today", "tab.reminders", "tab.me"] as const;

export function applyTabLabels() {
  TABS.forEach((key, index) => {
    uni.setTabBarItem({ index, text: t(key), fail: () => undefined });
  });
}

export function setLang(value: Lang) {
  lang.value = value;
  uni.setStorageSync("pms.lang", value);
  applyTabLabels();
}

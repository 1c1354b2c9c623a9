/** Display helpers. Money and ratios stay the API's decimal strings: never parsed into floats. */

/** "0.7315" -> "73.15%" by moving the decimal point in the string; null -> "—". */
export function percent(ratio: string | null | undefined): string {
  if (ratio === null || ratio === undefined || ratio === "") return "—";
  const negative = ratio.startsWith("-");
  const [intPart, frac = ""] = (negative ? ratio.slice(1) : ratio).split(".");
  const f = frac.padEnd(2, "0");
  const whole = (intPart + f.slice(0, 2)).replace(/^0+(?=\d)/, "");
  const rest = f.slice(2).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${rest ? "." + rest : ""}%`;
}

/** "37125.00" -> "¥37125.00" (the string as given; currency sign by code). */
export function money(amount: string | null | undefined, currency = "CNY"): string {
  if (amount === null || amount === undefined) return "—";
  const sign = currency === "CNY" ? "¥" : currency + " ";
  return amount.startsWith("-") ? `-${sign}${amount.slice(1)}` : `${sign}${amount}`;
}

/** "2026-05-03" -> "05-03". */
export const shortDate = (d: string) => d.slice(5);

/** Date arithmetic on ISO dates in UTC (no time zones involved: business dates are plain dates). */
export function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split("-").map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d + days));
  return dt.toISOString().slice(0, 10);
}

// How figures read from the page are shown back to the user (popup, options).

const LABELS = [
  ["cut_amount", "已砍", (v, f) => money(v, f.unit)],
  ["remaining_amount", "还差", (v, f) => money(v, f.unit)],
  ["cut_percent", "已砍进度", (v, f) => shownPercent(v, f.raw && f.raw.cut_percent)],
  ["remaining_percent", "还差进度", (v, f) => shownPercent(v, f.raw && f.raw.remaining_percent)],
  ["countdown_seconds", "剩余时间", (v) => duration(v)],
  ["helper_count", "助力好友", (v) => `${v} 位`],
];

/**
 * A percent as the page showed it (issue #12): the decimals of the page's own text, so "52.0%"
 * and "0.0%" stay so (a JavaScript number forgets them: 52.0 prints as "52").
 */
export function shownPercent(value, rawText) {
  const m = typeof rawText === "string" ? /(\d+)(?:[.．](\d+))?\s*[%％]/.exec(rawText) : null;
  const decimals = m ? (m[2] || "").length : (String(value).split(".")[1] || "").length;
  return `${Number(value).toFixed(Math.min(6, decimals))}%`;
}

export function money(value, unit) {
  return unit ? `${value} ${unit}` : `¥${Number(value).toFixed(2)}`;
}

export function duration(seconds) {
  const s = Math.max(0, Math.trunc(seconds));
  const days = Math.floor(s / 86400);
  const pad = (n) => String(n).padStart(2, "0");
  const clock = `${pad(Math.floor((s % 86400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return days ? `${days} 天 ${clock}` : clock;
}

/** [[label, text], ...] for the figures present, in a fixed, meaningful order. */
export function figureRows(facts) {
  const rows = LABELS.filter(([key]) => facts[key] !== undefined).map(([key, label, fmt]) => [label, fmt(facts[key], facts)]);
  if (facts.helper_count === undefined && Array.isArray(facts.helpers) && facts.helpers.length) {
    rows.push(["列出的好友", `${facts.helpers.length} 位`]);
  }
  return rows;
}

/** RFC 3339 in local time with its UTC offset, e.g. 2026-11-20T14:03:00.123+08:00. */
export function rfc3339(date) {
  const pad = (n, width = 2) => String(Math.abs(Math.trunc(n))).padStart(width, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

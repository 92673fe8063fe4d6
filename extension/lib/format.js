// How figures read from the page are shown back to the user (popup, options).

const LABELS = [
  ["cut_amount", "已砍", (v, f) => money(v, f.unit)],
  ["remaining_amount", "还差", (v, f) => money(v, f.unit)],
  ["cut_percent", "已砍进度", (v) => `${v}%`],
  ["remaining_percent", "还差进度", (v) => `${v}%`],
  ["countdown_seconds", "剩余时间", (v) => duration(v)],
  ["helper_count", "助力好友", (v) => `${v} 位`],
];

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

// The campaign page's interactive chart (issue #12), drawn with the vendored uPlot
// (static/vendor/uplot, MIT). The numbers come from <script type="application/json" id="chart-data">
// (campaigns/chart_json.py); no inline script or style is needed, so the strict CSP holds (uPlot and
// this file set element.style through the CSSOM, which style-src 'self' allows).
//
// Two panels share one x axis: progress 0–100 % with the helper count, and 还差 on a log scale, so
// a stall at 99.9 % is as visible as the first cuts. Long pauses are already collapsed on the x
// axis by the companion (dashed markers say how long they were). Hovering shows the capture's
// thumbnail and figures; a click opens the capture; dragging selects a range (double-click or
// 「全部」 resets). Without JavaScript the server-drawn SVG below stays in place.
/* global uPlot */
(function () {
  "use strict";

  const COLORS = { progress: "#e02e24", helpers: "#1f6feb", remaining: "#bc4c00" };
  const SPAN_FILL = { critical: "rgba(207,34,46,.16)", warning: "rgba(251,143,68,.22)", info: "rgba(9,105,218,.12)" };

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function start() {
    const source = document.getElementById("chart-data");
    const app = document.getElementById("chart-app");
    if (!source || !app || typeof window.uPlot !== "function") return;
    const d = JSON.parse(source.textContent);
    if (!d || !d.x || d.x.length === 0) return;
    const fallback = document.querySelector(".chart-fallback");
    app.hidden = false;
    if (fallback) fallback.hidden = true;
    document.documentElement.classList.add("chart-live");
    build(app, d);
  }

  /** The real time (seconds) of a position on the compressed axis: linear between two points. */
  function realTime(d, x) {
    const xs = d.x;
    const last = xs.length - 1;
    if (x <= xs[0]) return d.t[0] - (xs[0] - x);
    if (x >= xs[last]) return d.t[last] + (x - xs[last]);
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= x) lo = mid;
      else hi = mid;
    }
    const share = xs[hi] > xs[lo] ? (x - xs[lo]) / (xs[hi] - xs[lo]) : 0;
    return d.t[lo] + share * (d.t[hi] - d.t[lo]);
  }

  /** A compressed position of a real time (the inverse of realTime). */
  function toX(d, t) {
    const ts = d.t;
    const last = ts.length - 1;
    if (t <= ts[0]) return d.x[0] - (ts[0] - t);
    if (t >= ts[last]) return d.x[last] + (t - ts[last]);
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] <= t) lo = mid;
      else hi = mid;
    }
    const share = ts[hi] > ts[lo] ? (t - ts[lo]) / (ts[hi] - ts[lo]) : 0;
    return d.x[lo] + share * (d.x[hi] - d.x[lo]);
  }

  /** '14:03' or '11-20 14:03' in the clock the captures were recorded with (its UTC offset). */
  function clock(d, t, withDate) {
    const at = new Date((t + d.offset_minutes * 60) * 1000);
    const hm = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
    return withDate ? `${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ${hm}` : hm;
  }

  function percentText(v) {
    if (v === null || v === undefined) return "";
    if (v >= 1) return `${+v.toFixed(1)}%`;
    return `${+v.toPrecision(2)}%`;
  }

  function build(app, d) {
    const mainEl = document.getElementById("chart-main");
    const remEl = document.getElementById("chart-remaining");
    const tip = document.getElementById("chart-tip");
    // The thumbnail is made on the first hover (an <img> without a source would never load).
    const tipImg = document.createElement("img");
    tipImg.alt = "截图缩略图";
    tipImg.width = 80;
    tipImg.height = 150;
    const tipText = tip.querySelector(".tip-text");
    const first = d.x[0];
    const lastX = d.x[d.x.length - 1];
    // One capture (or all at one instant): an hour around it, not uPlot's default span.
    const allMin = lastX > first ? first : first - 1800;
    const allMax = lastX > first ? lastX : lastX + 1800;
    const showPoints = d.x.length <= 300;
    const positives = d.remaining.filter((v) => v !== null && v > 0);
    const minRem = positives.length ? Math.min(...positives) : 0.1;
    const remLow = Math.pow(10, Math.floor(Math.log10(minRem)));
    const charts = [];
    let syncing = false;
    let active = null;

    function xAxis(withLabels) {
      return {
        space: 70,
        size: withLabels ? 44 : 8,
        values: (u, splits) => {
          if (!withLabels) return splits.map(() => "");
          const span = realTime(d, u.scales.x.max) - realTime(d, u.scales.x.min);
          // A time inside a collapsed pause would be made up: no label there.
          const inPause = (x) => d.gaps.some((g) => x > g.x0 && x < g.x1);
          return splits.map((x) => (inPause(x) ? "" : clock(d, realTime(d, x), span > 20 * 3600)));
        },
        grid: { stroke: "#eaeef2" },
        ticks: { stroke: "#d0d7de" },
      };
    }

    function drawBackdrop(u) {
      const ctx = u.ctx;
      const { left, top, width, height } = u.bbox;
      ctx.save();
      for (const s of d.spans) {
        const a = u.valToPos(s.x0, "x", true);
        let b = u.valToPos(s.x1, "x", true);
        if (b - a < 4 * uPlot.pxRatio) b = a + 4 * uPlot.pxRatio;
        const x0 = Math.max(left, a);
        const x1 = Math.min(left + width, b);
        if (x1 <= x0) continue;
        ctx.fillStyle = SPAN_FILL[s.severity] || SPAN_FILL.info;
        ctx.fillRect(x0, top, x1 - x0, height);
      }
      ctx.strokeStyle = "#8c959f";
      ctx.fillStyle = "#57606a";
      ctx.lineWidth = uPlot.pxRatio;
      ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
      ctx.font = `${11 * uPlot.pxRatio}px "Noto Sans CJK SC", sans-serif`;
      ctx.textAlign = "center";
      for (const g of d.gaps) {
        const x = u.valToPos(g.x, "x", true);
        if (x < left || x > left + width) continue;
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.stroke();
        if (u === charts[0]) ctx.fillText(g.text, x, top + 26 * uPlot.pxRatio);
      }
      ctx.restore();
    }

    function syncX(u, key) {
      if (key !== "x" || syncing) return;
      syncing = true;
      for (const other of charts) {
        if (other !== u) other.setScale("x", { min: u.scales.x.min, max: u.scales.x.max });
      }
      syncing = false;
      placeSpans();
      showRange(u);
    }

    const rangeText = app.querySelector(".chart-range");
    function showRange(u) {
      const a = realTime(d, u.scales.x.min);
      const b = realTime(d, u.scales.x.max);
      rangeText.textContent = `${clock(d, a, true)} 至 ${clock(d, b, true)}`;
    }

    function showTip(u) {
      const idx = u.cursor.idx;
      if (u !== active || idx === null || idx === undefined || u.cursor.left < 0) {
        tip.hidden = true;
        return;
      }
      const thumb = d.thumb_url.replace("CAPTURE_ID", d.id[idx]);
      if (tipImg.getAttribute("src") !== thumb) tipImg.src = thumb;
      if (!tipImg.isConnected) tip.prepend(tipImg);
      const here = d.x[idx];
      const inSpans = d.spans.filter((s) => here >= s.x0 && here <= s.x1).map((s) => s.label);
      tipText.replaceChildren();
      const lines = [...d.label[idx].split(" · "), ...inSpans.slice(0, 2)];
      lines.forEach((line, k) => {
        const p = document.createElement("p");
        p.textContent = line;
        if (k === 0) p.className = "tip-time";
        if (k >= lines.length - inSpans.slice(0, 2).length) p.className = "tip-finding";
        tipText.append(p);
      });
      tip.hidden = false;
      const box = app.getBoundingClientRect();
      const over = u.over.getBoundingClientRect();
      const x = over.left - box.left + u.cursor.left;
      const y = over.top - box.top + Math.max(0, u.cursor.top);
      const w = tip.offsetWidth;
      const left = x + 14 + w > box.width ? Math.max(0, x - 14 - w) : x + 14;
      tip.style.left = `${left}px`;
      tip.style.top = `${Math.max(0, Math.min(y - 20, box.height - tip.offsetHeight))}px`;
    }

    function common(height, withLabels) {
      return {
        width: mainEl.clientWidth || app.clientWidth,
        height,
        legend: { show: false },
        cursor: {
          sync: { key: "bw-chart", setSeries: false },
          drag: { x: true, y: false, setScale: true },
          points: { size: 7 },
        },
        scales: { x: { time: true } },
        hooks: {
          drawClear: [drawBackdrop],
          setScale: [syncX],
          setCursor: [showTip],
        },
        axes: [xAxis(withLabels)],
      };
    }

    const narrow = (mainEl.clientWidth || app.clientWidth) < 560;
    const main = common(narrow ? 220 : 270, false);
    main.scales.y = { range: [0, 100] };
    main.scales.h = { range: (u, lo, hi) => [0, Math.max(5, Math.ceil((hi || 1) * 1.1))] };
    main.series = [
      {},
      {
        label: "砍价进度",
        scale: "y",
        stroke: COLORS.progress,
        width: 2,
        points: { show: showPoints, size: 5, fill: COLORS.progress },
      },
      {
        label: "好友数",
        scale: "h",
        stroke: COLORS.helpers,
        width: 1.5,
        points: { show: showPoints, size: 4, fill: COLORS.helpers },
      },
    ];
    main.axes.push(
      { scale: "y", values: (u, s) => s.map((v) => (v === null ? "" : `${v}%`)), size: 54, grid: { stroke: "#eaeef2" } },
      { scale: "h", side: 1, size: 44, grid: { show: false }, values: (u, s) => s.map((v) => (v === null ? "" : `${v}人`)) },
    );

    const rem = common(narrow ? 150 : 180, true);
    rem.scales.r = { distr: 3, log: 10, range: () => [Math.min(remLow, 0.1), 100] };
    rem.series = [
      {},
      {
        label: "还差",
        scale: "r",
        stroke: COLORS.remaining,
        width: 2,
        points: { show: showPoints, size: 5, fill: COLORS.remaining },
      },
    ];
    const decade = (v) => v !== null && v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
    const decades = (u, s) => s.map((v) => (decade(v) ? v : null));
    rem.axes.push({
      scale: "r",
      size: 54,
      filter: decades,
      values: (u, s) => s.map((v) => (decade(v) ? percentText(v) : "")),
      grid: { stroke: "#eaeef2", filter: decades },
      ticks: { filter: decades },
    });
    rem.axes.push({ scale: "r", side: 1, size: 44, grid: { show: false }, ticks: { show: false }, values: (u, s) => s.map(() => "") });

    charts.push(new uPlot(main, [d.x, d.progress, d.helpers], mainEl));
    charts.push(new uPlot(rem, [d.x, d.remaining], remEl));

    // Finding spans as real links along the top of the progress panel (keyboard and touch too);
    // overlapping spans go in lanes one below the other, so each stays clickable.
    const laneEnds = [];
    const lanes = d.spans.map((s) => {
      let lane = laneEnds.findIndex((end) => end < s.x0);
      if (lane < 0) lane = laneEnds.length;
      laneEnds[lane] = s.x1;
      return lane;
    });
    const spanLinks = d.spans.map((s, k) => {
      const a = document.createElement("a");
      a.className = `span-link sev-${s.severity}`;
      a.href = s.href;
      a.title = s.label;
      a.setAttribute("aria-label", s.label);
      a.style.top = `${lanes[k] * 11}px`;
      charts[0].over.append(a);
      return a;
    });
    function placeSpans() {
      const u = charts[0];
      d.spans.forEach((s, k) => {
        const a = u.valToPos(s.x0, "x");
        const b = Math.max(u.valToPos(s.x1, "x"), a + 6);
        const x0 = Math.max(0, a);
        const x1 = Math.min(u.over.clientWidth, b);
        spanLinks[k].hidden = x1 <= x0;
        spanLinks[k].style.left = `${x0}px`;
        spanLinks[k].style.width = `${Math.max(0, x1 - x0)}px`;
      });
    }
    if (lastX === first) charts[0].setScale("x", { min: allMin, max: allMax });
    placeSpans();
    showRange(charts[0]);

    // Mouse: hover shows the tip, a click opens the capture. Touch (no hover): the first tap on a
    // point shows its tip, a second tap on the same point opens it.
    let tapped = null;
    for (const u of charts) {
      let downAt = null;
      let pointer = "mouse";
      u.over.addEventListener("mouseenter", () => {
        active = u;
      });
      u.over.addEventListener("mouseleave", () => {
        active = null;
        tip.hidden = true;
      });
      u.over.addEventListener("pointerdown", (e) => {
        downAt = e.clientX;
        pointer = e.pointerType;
        active = u;
        if (pointer !== "mouse") {
          const r = u.over.getBoundingClientRect();
          u.setCursor({ left: e.clientX - r.left, top: e.clientY - r.top });
        }
      });
      u.over.addEventListener("click", (e) => {
        if (e.target.closest && e.target.closest("a")) return;
        const moved = downAt === null ? 0 : Math.abs(e.clientX - downAt);
        const idx = u.cursor.idx;
        if (moved >= 4 || idx === null || idx === undefined) return;
        if (pointer !== "mouse" && tapped !== idx) {
          tapped = idx;
          showTip(u);
          return;
        }
        window.location.href = d.capture_url.replace("CAPTURE_ID", d.id[idx]);
      });
    }

    function setRange(value) {
      if (value === "all") {
        charts[0].setScale("x", { min: allMin, max: allMax });
        return;
      }
      const lastT = d.t[d.t.length - 1];
      charts[0].setScale("x", { min: Math.max(allMin, toX(d, lastT - Number(value))), max: allMax });
    }
    app.querySelectorAll("[data-range]").forEach((b) => {
      b.addEventListener("click", () => setRange(b.dataset.range));
    });

    let lastWidth = mainEl.clientWidth;
    const resize = () => {
      const width = mainEl.clientWidth || app.clientWidth;
      if (width === lastWidth) return;
      lastWidth = width;
      for (const u of charts) u.setSize({ width, height: u.height });
      placeSpans();
    };
    if (typeof ResizeObserver === "function") new ResizeObserver(resize).observe(app);
    app.dataset.ready = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

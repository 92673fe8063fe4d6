/*
 * Bargain Witness demo page: a simulated "砍价免费拿" bargain.
 *
 * State lives in localStorage (one entry per activity id), so reloads keep it. All random choices
 * (nicknames, cut amounts, the campaign's plan) come from a mulberry32 PRNG whose state is stored
 * with the campaign, so a given seed always produces the same flow. Money is integer fen.
 *
 * Modes:
 *   normal  - each cut is smaller than the one before (but >= ¥0.10, so the shown percent always
 *             moves), and the campaign really reaches 100 % after `plan` assists (16-22).
 *   anomaly - the same approach towards a floor of `stallFen` (2-9 fen); it freezes as soon as the
 *             page shows 99.9 %: further friends appear in the list with a 1-5 fen amount while the
 *             totals do not move. Switching back to normal mode lets the next assist finish.
 *
 * Text forms (each in one element, label and number in one text node; the extension reads text):
 *   #cut-amount "已砍 ¥X.XX"   #remain-amount "还差 ¥Y.YY"   #cut-percent "已砍 Z%" (Z truncated to 0.1,
 *   "100%" when done)   #remain-percent "仅差 W%" (100 - Z; empty when done)   #target-price "活动价 ¥99.00"
 *   #countdown "HH:MM:SS 后结束" or "活动已结束"   #helper-count "已有 N 位好友帮你砍价"
 *   #helper-list > li, newest first: "<name> 帮你砍了 ¥0.03 14:03"
 *
 * URL: /demo/?activity_id=<id>. The id names the campaign (the companion groups captures by it);
 * "重置演示" starts a new campaign with a new id. Hash parameters start a fresh campaign and are
 * then removed from the URL: #seed=<uint32>&mode=normal|anomaly&elapsed=<seconds since start>.
 */
(function () {
  'use strict';

  var STORE_PREFIX = 'bargain-witness-demo:v1:';
  var CURRENT_KEY = STORE_PREFIX + 'current';
  var MODE_KEY = STORE_PREFIX + 'mode';
  var TARGET_FEN = 9900;            // 活动价 ¥99.00
  var DURATION_MS = 24 * 3600 * 1000;
  var Q = 0.78;                      // ratio between successive planned cuts (normal plan)
  var ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

  var NAMES = [
    '小美', '阿强', '晴天', '追风少年', '岁月静好', '李阿姨', '王叔叔', '快乐的小猪', '橘子汽水',
    '向日葵', '陈小胖', '奶茶不加糖', '一只猫', '张姐', '半夏', '南风', '阿杰', '刘大爷',
    '星星点灯', '甜甜圈', '小确幸', '木子李', '周末愉快', '花开富贵', '赵老师', '平安是福',
    '可乐加冰', '清风徐来', '大白', '糖糖', '老王', '爱吃鱼的猫', '不吃香菜', '简单生活', '阿珍',
    '小鹿乱撞', '月亮姐姐', '知足常乐', '秋天的风', '芒果布丁', '宁静致远', '胖虎', '小太阳',
    '故乡的云', '孙阿姨', '雨后彩虹', '早睡早起', '柠檬不酸', '吴先生', '幸福一家人', '大橙子',
    '风轻云淡', '小蜗牛', '开心果', '郑大哥', '茉莉花', '明天会更好', '蓝莓酱', '阿伟', '周周'
  ];
  var AVATAR_COLORS = ['#f59e0b', '#ef4444', '#10b981', '#3b82f6', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316'];

  // ---------------------------------------------------------------- storage (never throws)
  var memoryStore = {};
  function storeGet(key) {
    try { return window.localStorage.getItem(key); } catch { return memoryStore[key] || null; }
  }
  function storeSet(key, value) {
    memoryStore[key] = value;
    try { window.localStorage.setItem(key, value); } catch { /* private mode: memory only */ }
  }
  function storeRemove(key) {
    delete memoryStore[key];
    try { window.localStorage.removeItem(key); } catch { /* ignore */ }
  }

  // ---------------------------------------------------------------- randomness
  function freshUint32() {
    try {
      var a = new Uint32Array(1);
      window.crypto.getRandomValues(a);
      return a[0];
    } catch {
      return Math.floor(Math.random() * 4294967296) >>> 0;
    }
  }

  function newActivityId() {
    var n = freshUint32() % 1000000000;
    return 'demo' + String(n).padStart(9, '0');
  }

  // mulberry32; the generator state is state.rng (uint32), saved with the campaign.
  function rand(state) {
    state.rng = (state.rng + 0x6D2B79F5) >>> 0;
    var t = state.rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  function randInt(state, lo, hi) { // inclusive
    return lo + Math.floor(rand(state) * (hi - lo + 1));
  }

  // ---------------------------------------------------------------- campaign state
  function newCampaign(opts) {
    var seed = (opts.seed === undefined || opts.seed === null) ? freshUint32() : (opts.seed >>> 0);
    var state = {
      v: 1,
      activityId: opts.activityId || newActivityId(),
      seed: seed,
      rng: seed,
      mode: opts.mode === 'anomaly' ? 'anomaly' : 'normal',
      startedAt: Date.now() - (opts.elapsedMs || 0),
      targetFen: TARGET_FEN,
      cutFen: 0,
      plan: 0,
      stallFen: 0,
      helpers: [],        // oldest first: {name, fen, at (ms), counted (fen actually applied)}
      finishedAt: null
    };
    state.plan = randInt(state, 16, 22);     // assists needed in normal mode
    state.stallFen = randInt(state, 2, 9);   // what anomaly mode never lets you cut (< 0.1 %)
    return state;
  }

  function isValidState(s) {
    return s && s.v === 1 && typeof s.activityId === 'string' && ID_RE.test(s.activityId) &&
      typeof s.rng === 'number' && typeof s.cutFen === 'number' && Array.isArray(s.helpers) &&
      typeof s.startedAt === 'number' && s.targetFen === TARGET_FEN &&
      s.cutFen >= 0 && s.cutFen <= TARGET_FEN;
  }

  function loadCampaign(id) {
    var raw = storeGet(STORE_PREFIX + 'campaign:' + id);
    if (!raw) return null;
    try {
      var s = JSON.parse(raw);
      return isValidState(s) && s.activityId === id ? s : null;
    } catch {
      return null;
    }
  }

  function saveCampaign(state) {
    storeSet(STORE_PREFIX + 'campaign:' + state.activityId, JSON.stringify(state));
    storeSet(CURRENT_KEY, state.activityId);
    storeSet(MODE_KEY, state.mode);
  }

  // ---------------------------------------------------------------- the bargain itself
  function remainingFen(state) { return state.targetFen - state.cutFen; }
  function isDone(state) { return state.cutFen >= state.targetFen; }
  function msLeft(state, now) { return Math.max(0, state.startedAt + DURATION_MS - now); }
  function isExpired(state, now) { return !isDone(state) && msLeft(state, now) <= 0; }

  function pickName(state) {
    var used = {};
    state.helpers.forEach(function (h) { used[h.name] = true; });
    var free = NAMES.filter(function (n) { return !used[n]; });
    if (free.length) return free[randInt(state, 0, free.length - 1)];
    // Everyone has helped once: friends of friends, then numbered (real nicknames have digits too).
    var base = NAMES[randInt(state, 0, NAMES.length - 1)];
    var name = base + '的朋友';
    for (var k = 2; used[name]; k++) name = base + '的朋友' + k;
    return name;
  }

  // How much the next assist cuts, in fen: {shown, counted}. `counted` is what moves the total.
  function nextCut(state) {
    var remaining = remainingFen(state);
    var floorFen = state.mode === 'anomaly' ? Math.min(state.stallFen, remaining) : 0;
    var reachable = remaining - floorFen;
    // Anomaly mode freezes as soon as the page shows 99.9 % (or the floor is reached).
    if (reachable <= 0 || (state.mode === 'anomaly' && percentTenths(state) >= 999)) {
      // Anomaly: the friend "helped" with a small amount, but the total does not move.
      var ghost = rand(state) < 0.6 ? 1 : randInt(state, 2, 5);
      return { shown: ghost, counted: 0 };
    }
    var left = Math.max(1, state.plan - state.helpers.length);   // assists still planned
    // In normal mode every assist cuts at least ¥0.10 (> 0.1 % of ¥99), so each one visibly moves
    // the truncated percent: the healthy demo never looks stalled. Anomaly mode allows 1 fen.
    var minCut = state.mode === 'normal' ? Math.min(10, reachable) : 1;
    var cut;
    if (left <= 1) {
      cut = reachable;
    } else {
      // Planned cuts form a geometric series (ratio Q) over the assists left: each cut is smaller
      // than the one before, yet the campaign finishes on plan. Jitter keeps it looking random.
      var share = (1 - Q) / (1 - Math.pow(Q, left));
      var jitter = 0.93 + 0.14 * rand(state);   // ±7 %: keeps each cut below the one before
      cut = Math.round(reachable * share * jitter);
      cut = Math.min(cut, reachable - minCut * (left - 1));
      cut = Math.min(reachable, Math.max(cut, minCut));
    }
    return { shown: cut, counted: cut };
  }

  function invite(state, now) {
    if (isDone(state) || isExpired(state, now)) return null;
    var name = pickName(state);
    var cut = nextCut(state);
    var helper = { name: name, fen: cut.shown, at: now, counted: cut.counted };
    state.helpers.push(helper);
    state.cutFen += cut.counted;
    if (isDone(state)) state.finishedAt = now;
    return helper;
  }

  // ---------------------------------------------------------------- formatting
  function yuan(fen) {
    var f = Math.max(0, Math.round(fen));
    return '¥' + Math.floor(f / 100) + '.' + String(f % 100).padStart(2, '0');
  }
  // Displayed percent is TRUNCATED to 0.1 %, as the real page does: floor(cut/target*1000)/10.
  function percentTenths(state) {
    return Math.floor(state.cutFen * 1000 / state.targetFen);
  }
  function pctText(tenths) {
    if (tenths >= 1000) return '100%';
    return Math.floor(tenths / 10) + '.' + (tenths % 10) + '%';
  }
  function pad2(n) { return String(n).padStart(2, '0'); }
  function clock(ms) {
    var d = new Date(ms);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  }
  function countdownText(ms) {
    var s = Math.ceil(ms / 1000);
    return pad2(Math.floor(s / 3600)) + ':' + pad2(Math.floor(s / 60) % 60) + ':' + pad2(s % 60) + ' 后结束';
  }

  // ---------------------------------------------------------------- DOM
  var $ = function (id) { return document.getElementById(id); };
  var el = {};
  var state = null;

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function renderCountdown(now) {
    if (isDone(state)) {
      // The campaign's deadline does not move when it succeeds; keep counting towards it.
      setText(el.countdown, msLeft(state, now) > 0 ? countdownText(msLeft(state, now)) : '活动已结束');
    } else if (isExpired(state, now)) {
      setText(el.countdown, '活动已结束');
    } else {
      setText(el.countdown, countdownText(msLeft(state, now)));
    }
  }

  function helperRow(h, isBest, isNew) {
    var li = document.createElement('li');
    li.className = 'helper' + (isBest ? ' best' : '') + (isNew ? ' new' : '');
    var avatar = document.createElement('span');
    avatar.className = 'avatar';
    avatar.setAttribute('aria-hidden', 'true');
    // The initial is drawn by CSS (::before) so it does not pollute the page text.
    avatar.setAttribute('data-initial', Array.from(h.name)[0] || '友');
    var sum = 0;
    Array.from(h.name).forEach(function (c) { sum += c.codePointAt(0); });
    avatar.style.background = AVATAR_COLORS[sum % AVATAR_COLORS.length];
    var name = document.createElement('span');
    name.className = 'h-name';
    name.textContent = h.name;
    var amount = document.createElement('span');
    amount.className = 'h-amount';
    amount.textContent = '帮你砍了 ' + yuan(h.fen);
    var time = document.createElement('span');
    time.className = 'h-time';
    time.textContent = clock(h.at);
    li.appendChild(avatar);
    li.appendChild(name);
    li.appendChild(document.createTextNode(' '));
    li.appendChild(amount);
    li.appendChild(document.createTextNode(' '));
    li.appendChild(time);
    return li;
  }

  // Status blocks hold text only while visible: hidden text must not reach textContent readers.
  function showBlock(node, show, title, sub, cls) {
    node.hidden = !show;
    if (!show) { node.replaceChildren(); return; }
    if (node.childElementCount) return;
    var t = document.createElement('div');
    t.className = cls + '-title';
    t.textContent = title;
    var d = document.createElement('div');
    d.className = cls + '-sub';
    d.textContent = sub;
    node.replaceChildren(t, d);
  }

  function render(newHelper) {
    var now = Date.now();
    var tenths = percentTenths(state);
    var done = isDone(state);
    var expired = isExpired(state, now);
    var n = state.helpers.length;

    setText(el.cut, '已砍 ' + yuan(state.cutFen));
    setText(el.remain, '还差 ' + yuan(remainingFen(state)));
    setText(el.cutPct, '已砍 ' + pctText(tenths));
    setText(el.remainPct, done ? '' : '仅差 ' + pctText(1000 - tenths));
    el.remainPct.hidden = done;
    el.barFill.style.width = (tenths / 10) + '%';
    el.bar.setAttribute('aria-valuenow', String(tenths / 10));
    renderCountdown(now);

    el.leadTip.hidden = done || n === 0;
    var close = !done && !expired && tenths >= 990;
    el.closeHint.hidden = !close;
    // The real page's promise; in anomaly mode it is always "2人", however many have helped.
    var more = state.mode === 'anomaly' ? 2 : Math.max(1, state.plan - n);
    setText(el.closeHint, close ? '预计再邀请' + more + '人直接免费拿' : '');

    showBlock(el.success, done, '砍价成功！', '恭喜，商品将免费包邮寄出（演示，不会真的发货）', 'success');
    showBlock(el.expired, expired, '活动已结束', '未能在规定时间内砍到0元，可点击下方「重置演示」重新开始', 'expired');
    el.invite.hidden = done;
    el.invite.disabled = done || expired;
    el.card.classList.toggle('is-done', done);

    setText(el.count, '已有 ' + n + ' 位好友帮你砍价');
    el.empty.hidden = n > 0;
    var best = -1;
    state.helpers.forEach(function (h, i) { if (best < 0 || h.fen > state.helpers[best].fen) best = i; });
    var frag = document.createDocumentFragment();
    for (var i = n - 1; i >= 0; i--) {   // newest first
      frag.appendChild(helperRow(state.helpers[i], i === best && n > 1, state.helpers[i] === newHelper));
    }
    el.list.replaceChildren(frag);

    el.modeNormal.checked = state.mode === 'normal';
    el.modeAnomaly.checked = state.mode === 'anomaly';
    setText(el.modeDesc, state.mode === 'anomaly'
      ? '异常模式：进度停在最后一点点，之后每位好友仍显示砍了一点，但总金额不再变化。'
      : '正常模式：每刀越砍越少，但邀请足够多的好友后会真正砍到0元。');
    setText(el.activityNo, '活动编号：' + state.activityId);
    setText(el.meta, '随机种子 ' + state.seed + ' · 数据保存在本浏览器（localStorage）');
    document.body.setAttribute('data-state', done ? 'success' : (expired ? 'expired' : 'running'));
  }

  // Keep ?activity_id=<id> in the address bar (and nothing volatile), so captures group by campaign.
  function syncUrl() {
    var url = new URL(window.location.href);
    var changed = url.searchParams.get('activity_id') !== state.activityId || url.hash !== '';
    if (!changed) return;
    url.searchParams.set('activity_id', state.activityId);
    url.hash = '';
    try {
      window.history.replaceState(null, '', url.pathname + url.search);
    } catch { /* some file:// setups refuse; harmless */ }
  }

  function parseHash() {
    var h = window.location.hash.replace(/^#/, '');
    if (!h) return null;
    var p = new URLSearchParams(h);
    if (!p.has('seed') && !p.has('mode') && !p.has('elapsed')) return null;
    var out = {};
    if (/^\d{1,10}$/.test(p.get('seed') || '')) out.seed = Number(p.get('seed')) >>> 0;
    if (p.get('mode') === 'anomaly' || p.get('mode') === 'normal') out.mode = p.get('mode');
    if (/^\d{1,6}$/.test(p.get('elapsed') || '')) out.elapsedMs = Math.min(Number(p.get('elapsed')), 86400) * 1000;
    return out;
  }

  function boot() {
    var url = new URL(window.location.href);
    var urlId = url.searchParams.get('activity_id');
    if (urlId !== null && !ID_RE.test(urlId)) urlId = null;
    var savedMode = storeGet(MODE_KEY) === 'anomaly' ? 'anomaly' : 'normal';
    var fresh = parseHash();
    if (fresh) {
      var id = urlId || newActivityId();
      state = newCampaign({ activityId: id, seed: fresh.seed, mode: fresh.mode || savedMode, elapsedMs: fresh.elapsedMs });
    } else {
      var wanted = urlId || storeGet(CURRENT_KEY);
      state = (wanted && loadCampaign(wanted)) || newCampaign({ activityId: urlId || undefined, mode: savedMode });
    }
    saveCampaign(state);
    syncUrl();
  }

  function init() {
    el = {
      card: $('progress-card'), countdown: $('countdown'), cut: $('cut-amount'), remain: $('remain-amount'),
      bar: $('bar'), barFill: $('bar-fill'), cutPct: $('cut-percent'), remainPct: $('remain-percent'),
      leadTip: $('lead-tip'), closeHint: $('close-hint'), success: $('success'), expired: $('expired'),
      invite: $('invite-btn'), count: $('helper-count'), list: $('helper-list'), empty: $('helper-empty'),
      modeNormal: $('mode-normal'), modeAnomaly: $('mode-anomaly'), modeDesc: $('mode-desc'),
      reset: $('reset-btn'), activityNo: $('activity-no'), meta: $('demo-meta')
    };
    boot();
    render(null);

    el.invite.addEventListener('click', function () {
      var helper = invite(state, Date.now());
      if (!helper) { render(null); return; }
      saveCampaign(state);
      render(helper);
    });

    function onMode(e) {
      if (!e.target.checked) return;
      state.mode = e.target.value === 'anomaly' ? 'anomaly' : 'normal';
      saveCampaign(state);
      render(null);
    }
    el.modeNormal.addEventListener('change', onMode);
    el.modeAnomaly.addEventListener('change', onMode);

    el.reset.addEventListener('click', function () {
      // A new bargain: new activity id (so the companion does not mix it with the old one), same mode.
      storeRemove(STORE_PREFIX + 'campaign:' + state.activityId);
      state = newCampaign({ mode: state.mode });
      saveCampaign(state);
      syncUrl();
      render(null);
      window.scrollTo({ top: 0, behavior: 'smooth' });
    });

    // In-page link to the demo panel: scroll without putting a fragment in the address bar.
    var panelLink = document.querySelector('.demo-link');
    if (panelLink) {
      panelLink.addEventListener('click', function (e) {
        e.preventDefault();
        $('demo-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
      });
    }

    // Another tab of the demo changed the campaign: follow it.
    window.addEventListener('storage', function (e) {
      if (!e.key || e.key.indexOf(STORE_PREFIX) !== 0) return;
      var current = storeGet(CURRENT_KEY);
      var s = current && loadCampaign(current);
      if (s) { state = s; syncUrl(); render(null); }
    });

    var lastState = document.body.getAttribute('data-state');
    window.setInterval(function () {
      var now = Date.now();
      renderCountdown(now);
      if (isExpired(state, now) && lastState === 'running') render(null);
      lastState = document.body.getAttribute('data-state');
    }, 250);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
}());

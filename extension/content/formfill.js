/*
 * Bargain Witness form filler, part 4 of 4: where it starts (docs/formfill.md).
 *
 * On the complaint sites (全国12315平台 *.12315.cn, 黑猫投诉 tousu.sina.com.cn), and only over
 * https (manifest.json matches https only; checked again here, since the same files may be
 * injected elsewhere), it adds the panel of formfill-panel.js. The matcher and filler stay on
 * globalThis.BargainWitnessFormFill (this isolated world's global) so tests can run them on any page.
 */
(function () {
  "use strict";

  const FF = globalThis.BargainWitnessFormFill;
  const SITE_NAMES = { 12315: "全国12315平台", heimao: "黑猫投诉" };

  function channelForHost(host) {
    const h = String(host || "").toLowerCase().replace(/\.$/, "");
    if (h === "12315.cn" || h.endsWith(".12315.cn")) return "12315";
    if (h === "tousu.sina.com.cn") return "heimao";
    return "";
  }

  /**
   * "<site>投诉草稿" without saying 投诉 twice: 黑猫投诉 + 投诉草稿 must read 黑猫投诉草稿 (the
   * companion's complaints/channels/base.py complaint_name words channel names the same way).
   */
  function draftNameFor(siteName) {
    return siteName.endsWith("投诉") ? `${siteName}草稿` : `${siteName}投诉草稿`;
  }

  Object.assign(FF, { VERSION: "2.0.0", channelForHost, draftNameFor, SITE_NAMES });

  const runtime = typeof chrome !== "undefined" && chrome.runtime && chrome.runtime.id;
  const messages = globalThis.BargainWitnessMessages; // lib/messages-core.js
  const channel = channelForHost(location.hostname);
  if (runtime && messages && channel && location.protocol === "https:") {
    FF.mountPanel({ channel, draftName: draftNameFor(SITE_NAMES[channel]), messages });
  }
})();

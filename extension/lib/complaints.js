// Complaint-form filling, service-worker side (docs/formfill.md, docs/security.md).
//
// The form-filling content script (content/formfill.js) runs on the complaint sites only and may
// ask the service worker for exactly two things: the list of campaigns and one campaign's complaint
// draft for the channel of the site it runs on. Everything else a content script sends is ignored.
// The companion is called with the token from storage; the content script never sees the token.

import { CompanionError, request } from "./companion.js";
import { KINDS, MSG, fail, ok, replyFromError } from "./messages.js";
import { loadSettings } from "./settings.js";

export const COMPLAINT_TYPES = new Set([MSG.COMPLAINT_CAMPAIGNS, MSG.COMPLAINT_DRAFT]);
export const FORM_CHANNELS = new Set(["12315", "heimao"]);
const CAMPAIGN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_CAMPAIGNS = 200;

/**
 * The complaint channel of a page URL, or "" when it is not a complaint site over https: 12315.cn and its
 * subdomains → "12315", tousu.sina.com.cn → "heimao". Parsed with URL, never matched as a string,
 * so "https://evil.example/?.12315.cn" or "https://12315.cn.evil.example/" are not complaint sites.
 */
export function channelForUrl(url) {
  let parsed;
  try {
    parsed = new URL(String(url || ""));
  } catch {
    return "";
  }
  if (parsed.protocol !== "https:") return ""; // the panel runs over https only (docs/formfill.md)
  const host = parsed.hostname.toLowerCase().replace(/\.$/, "");
  if (host === "12315.cn" || host.endsWith(".12315.cn")) return "12315";
  if (host === "tousu.sina.com.cn") return "heimao";
  return "";
}

/**
 * May this sender ask for `type`? Our own extension pages may; a content script only for the
 * complaint types and only from a complaint site (its frame's URL, checked by the browser).
 * Returns the channel the sender's site implies ("" for extension pages), or null to refuse.
 */
export function complaintSenderChannel(type, sender) {
  if (!COMPLAINT_TYPES.has(type) || !sender || sender.id !== chrome.runtime.id || !sender.tab) return null;
  const channel = channelForUrl(sender.url);
  return channel || null;
}

async function getJson(settings, path) {
  const { data } = await request(settings, "GET", path);
  if (!data) throw new CompanionError(KINDS.SERVER, "助手的回答不是有效的 JSON，请稍后再试。");
  return data;
}

function text(value, max = 500) {
  return typeof value === "string" ? value.slice(0, max) : "";
}

/** Only what the picker shows: no URLs, identities or readings leave the service worker.
 * Reply data: {campaigns: [{id, title, capture_count, last_taken_at}]}. */
export async function listCampaigns() {
  const settings = await loadSettings();
  const data = await getJson(settings, "/api/v1/campaigns");
  const campaigns = (Array.isArray(data.campaigns) ? data.campaigns : []).slice(0, MAX_CAMPAIGNS);
  return ok({
    campaigns: campaigns
      .filter((c) => c && CAMPAIGN_ID.test(String(c.id)))
      .map((c) => ({
        id: c.id,
        title: text(c.title, 200) || "砍价活动",
        capture_count: Number.isFinite(c.capture_count) ? c.capture_count : 0,
        last_taken_at: text(c.last_taken_at, 40),
      })),
  });
}

/** One campaign's draft for `channel`, reduced to what filling the form needs. Reply data: {draft}. */
export async function getDraft(campaignId, channel) {
  if (!CAMPAIGN_ID.test(String(campaignId || ""))) {
    return fail(KINDS.REJECTED, "活动编号格式不正确。");
  }
  if (!FORM_CHANNELS.has(channel)) {
    return fail(KINDS.REJECTED, `不支持的投诉渠道：${channel}`);
  }
  const settings = await loadSettings();
  const path = `/api/v1/campaigns/${encodeURIComponent(campaignId)}/complaints/${encodeURIComponent(channel)}`;
  const draft = await getJson(settings, path);
  return ok({
    draft: {
      campaign_id: campaignId,
      channel,
      title: text(draft.title, 300),
      fields: (Array.isArray(draft.fields) ? draft.fields : []).map((f) => ({
        key: text(f.key, 64),
        label: text(f.label, 100),
        aliases: (Array.isArray(f.aliases) ? f.aliases : []).map((a) => text(a, 100)).filter(Boolean),
        value: text(f.value, 100000),
        multiline: Boolean(f.multiline),
        hint: text(f.hint, 500),
      })),
      attachments: (Array.isArray(draft.attachments) ? draft.attachments : []).map((a) => ({
        file: text(a.file, 200),
        sha256: text(a.sha256, 64),
        taken_at: text(a.taken_at, 40),
      })),
      campaign_url: `${settings.url}/campaigns/${encodeURIComponent(campaignId)}`,
    },
  });
}

/**
 * Answer a complaint message. `senderChannel` is the channel implied by the content script's site
 * ("" for our own pages): a content script may only ask for its own site's channel.
 */
export async function handleComplaintMessage(message, senderChannel) {
  try {
    if (message.type === MSG.COMPLAINT_CAMPAIGNS) return await listCampaigns();
    const data = message.data || {};
    const channel = senderChannel || data.channel;
    if (senderChannel && data.channel && data.channel !== senderChannel) {
      return fail(KINDS.REJECTED, "投诉渠道与当前网站不符。");
    }
    return await getDraft(data.campaign_id, channel);
  } catch (err) {
    if (err instanceof CompanionError) return replyFromError(err);
    return fail(KINDS.SERVER, `读取投诉草稿失败：${err.message}`);
  }
}

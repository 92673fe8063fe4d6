// The page identity the companion groups captures by (companion/identity.py, page_identity),
// reproduced exactly, so that the extension and the companion agree on what "the same bargain
// page" is: host (lower-cased, no "www.", non-default port kept) + path (repeated slashes
// collapsed, no trailing slash) + the stable id-like query parameters, decoded, sorted.
//
// Python's urllib.parse is followed, not the browser's URL parser, because they differ in ways
// that change the identity: no scheme-dependent default port (:80 and :443 are dropped for any
// scheme), no IDNA/punycode and no percent-decoding of the host, no encoding or dot-segment
// resolution of the path, "+" is a space in the query, percent-escapes decode as UTF-8 with U+FFFD
// for invalid bytes (and a BOM is kept), an IPv6 host loses its brackets, keys and values are
// written back decoded, and sorting is by code point. The key patterns follow Python's re with
// IGNORECASE (so "ſ" matches s, "K" k, "İ"/"ı" i) and its "$" (which also matches before a final
// newline). tests/fixtures/pagekey_cases.json pins these; tests/test_pagekey.py checks both sides.
//
// Where Python raises ValueError (bad port, unbalanced or invalid bracketed host, a host that
// NFKC-normalises into URL delimiters), pageIdentity throws. Mirrors Python 3.11's urllib.parse.

// Python's str.isspace() characters (str.strip() with no argument removes these).
const PY_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const PY_BLANK = new RegExp(`^[${PY_SPACE}]*$`);

// companion/identity.py's _ID_KEY and _VOLATILE_KEY, for keys folded by pyFold() below: no "i"
// flag, "$" as Python's (end, or before a final "\n"), "." as Python's (anything but "\n").
const ID_KEY = /(?:^|_)(?:id|sn|no|code)(?=\n?$)|^(?:goods|activity|act|bargain|kanjia|cut|group|order)[_a-z]*(?=\n?$)/;
const VOLATILE_KEY = new RegExp(
  "^(?:_[^\\n]*|refer[^\\n]*|share[^\\n]*|src[^\\n]*|utm_[^\\n]*|from[^\\n]*|page_from|ts|t|timestamp|time|rand[^\\n]*|nonce|sign|token|" +
    "session[^\\n]*|uid|user_?id|union_?id|msn|launch_[^\\n]*|pid|cpid|sp|scene)(?=\\n?$)",
);

// Python's re.IGNORECASE matches these against the patterns' ASCII letters: A-Z, and U+0130 İ,
// U+0131 ı (as i), U+017F ſ (as s), U+212A Kelvin sign (as k).
const FOLD = { "\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k" };
const pyFold = (key) => key.replace(/[A-Z\u0130\u0131\u017f\u212a]/g, (c) => FOLD[c] || c.toLowerCase());

/* eslint-disable no-control-regex -- Python's ASCII and C0 sets do include the control characters */
const ASCII_RUN = /[\x00-\x7f]+/g; // re.compile("([\x00-\x7f]+)") in unquote
const ALL_ASCII = /^[\x00-\x7f]*$/; // str.isascii()
const C0_OR_SPACE = /^[\x00-\x20]+/; // urlsplit's lstrip(_WHATWG_C0_CONTROL_OR_SPACE)
/* eslint-enable no-control-regex */
const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}/;
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true }); // not fatal: invalid bytes → U+FFFD

class ValueError extends Error {}

function partition(text, sep) {
  const i = text.indexOf(sep);
  return i < 0 ? [text, "", ""] : [text.slice(0, i), sep, text.slice(i + sep.length)];
}

/** urllib.parse.unquote(text) with its defaults (UTF-8, errors="replace"). */
function unquote(text) {
  if (!text.includes("%")) return text;
  // Python decodes each run of ASCII characters on its own; other characters stay as they are.
  return text.replace(ASCII_RUN, (run) => {
    const pieces = run.split("%");
    if (pieces.length === 1) return run;
    const bytes = [...pieces[0]].map((c) => c.charCodeAt(0));
    for (const piece of pieces.slice(1)) {
      const rest = HEX_PAIR.test(piece) ? (bytes.push(parseInt(piece.slice(0, 2), 16)), piece.slice(2)) : `%${piece}`;
      for (const c of rest) bytes.push(c.charCodeAt(0));
    }
    return UTF8.decode(Uint8Array.from(bytes));
  });
}

/** urllib.parse.parse_qsl(query) with keep_blank_values=False. */
function parseQsl(query) {
  const pairs = [];
  for (const field of query ? query.split("&") : []) {
    const eq = field.indexOf("=");
    if (eq < 0) continue;
    const [name, value] = [field.slice(0, eq), field.slice(eq + 1)];
    if (!value) continue;
    pairs.push([unquote(name.replaceAll("+", " ")), unquote(value.replaceAll("+", " "))]);
  }
  return pairs;
}

function isIPv4(text) {
  if (text.includes("/")) return false;
  const octets = text.split(".");
  return (
    octets.length === 4 &&
    octets.every((o) => /^[0-9]{1,3}$/.test(o) && (o === "0" || o[0] !== "0") && Number(o) <= 255)
  );
}

/** ipaddress.IPv6Address(text) would accept it (zone ids and an IPv4 tail included). */
function isIPv6(text) {
  if (text.includes("/")) return false;
  const [address, percent, scope] = partition(text, "%");
  if (percent && (!scope || scope.includes("%"))) return false;
  if (!address) return false;
  const parts = address.split(":");
  if (parts.length < 3) return false;
  if (parts[parts.length - 1].includes(".")) {
    if (!isIPv4(parts.pop())) return false;
    parts.push("0", "0"); // two valid hextets in its place
  }
  if (parts.length > 9) return false;
  let skip = -1;
  for (let i = 1; i < parts.length - 1; i += 1) {
    if (parts[i]) continue;
    if (skip >= 0) return false;
    skip = i;
  }
  let hi;
  let lo;
  if (skip >= 0) {
    hi = skip;
    lo = parts.length - skip - 1;
    if (!parts[0] && --hi) return false;
    if (!parts[parts.length - 1] && --lo) return false;
    if (8 - (hi + lo) < 1) return false;
  } else {
    if (parts.length !== 8 || !parts[0] || !parts[parts.length - 1]) return false;
    hi = parts.length;
    lo = 0;
  }
  const hextets = [...parts.slice(0, hi), ...parts.slice(parts.length - lo)];
  return hextets.every((h) => /^[0-9A-Fa-f]{1,4}$/.test(h));
}

/** urllib.parse._check_bracketed_host. */
function checkBracketedHost(host) {
  if (host.startsWith("v")) {
    if (!/^v[a-fA-F0-9]+\.[^\n]+$/.test(host)) throw new ValueError("IPvFuture address is invalid");
  } else if (isIPv4(host)) {
    throw new ValueError("An IPv4 address cannot be in brackets");
  } else if (!isIPv6(host)) {
    throw new ValueError(`${host} does not appear to be an IPv4 or IPv6 address`);
  }
}

/** urllib.parse._checknetloc: a host that NFKC-normalises into URL delimiters is refused. */
function checkNetloc(netloc) {
  if (!netloc || ALL_ASCII.test(netloc)) return;
  const bare = netloc.replace(/[@:#?]/g, "");
  const normalised = bare.normalize("NFKC");
  if (bare !== normalised && /[/?#@:]/.test(normalised)) {
    throw new ValueError(`netloc ${netloc} contains invalid characters under NFKC normalization`);
  }
}

/** urllib.parse.urlsplit(url) → {netloc, path, query} (scheme and fragment are not needed). */
function urlsplit(input) {
  let url = input.replace(C0_OR_SPACE, "").replace(/[\t\r\n]/g, "");
  let netloc = "";
  let query = "";
  const colon = url.indexOf(":");
  if (colon > 0 && SCHEME_CHARS.test(url.slice(0, colon))) url = url.slice(colon + 1);
  if (url.startsWith("//")) {
    const ends = ["/", "?", "#"].map((c) => url.indexOf(c, 2)).filter((i) => i >= 0);
    const end = ends.length ? Math.min(...ends) : url.length;
    netloc = url.slice(2, end);
    url = url.slice(end);
    const open = netloc.includes("[");
    const close = netloc.includes("]");
    if (open !== close) throw new ValueError("Invalid IPv6 URL");
    if (open) checkBracketedHost(partition(partition(netloc, "[")[2], "]")[0]);
  }
  url = partition(url, "#")[0];
  [url, , query] = partition(url, "?");
  checkNetloc(netloc);
  return { netloc, path: url, query };
}

/** SplitResult.hostname and .port: [host or "", port number or null]. */
function hostAndPort(netloc) {
  const hostinfo = netloc.slice(netloc.lastIndexOf("@") + 1);
  const [, open, bracketed] = partition(hostinfo, "[");
  let host;
  let port;
  if (open) {
    [host, , port] = partition(bracketed, "]");
    port = partition(port, ":")[2];
  } else {
    [host, , port] = partition(hostinfo, ":");
  }
  if (!port) return [host, null];
  if (!/^[0-9]+$/.test(port)) throw new ValueError(`Port could not be cast to integer value as ${port}`);
  const number = Number(port);
  if (number > 65535) throw new ValueError("Port out of range 0-65535");
  return [host, number];
}

/** Compare strings by code point, as Python does (JS's < compares UTF-16 code units). */
function byCodePoint(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

/** companion.identity.page_identity: "host/path?k=v&..." with only the stable id-like parameters. */
export function pageIdentity(url) {
  if (typeof url !== "string") throw new TypeError("pageIdentity needs a string");
  const parts = urlsplit(url.replace(PY_STRIP, ""));
  const [hostname, port] = hostAndPort(parts.netloc);
  let host = hostname.toLowerCase();
  if (host.startsWith("www.")) host = host.slice(4);
  if (port && port !== 80 && port !== 443) host = `${host}:${port}`;
  const path = (parts.path || "/").replace(/\/+/g, "/").replace(/\/+$/, "") || "/";
  const params = parseQsl(parts.query)
    .filter(([k, v]) => ID_KEY.test(pyFold(k)) && !VOLATILE_KEY.test(pyFold(k)) && !PY_BLANK.test(v))
    .sort((a, b) => byCodePoint(a[0], b[0]) || byCodePoint(a[1], b[1]));
  const query = params.map(([k, v]) => `${k}=${v}`).join("&");
  return `${host}${path}` + (query ? `?${query}` : "");
}

/** The same bargain page for the companion (same identity); false when either is not a URL string. */
export function samePage(a, b) {
  if (typeof a !== "string" || typeof b !== "string" || !a || !b) return false;
  try {
    return pageIdentity(a) === pageIdentity(b);
  } catch {
    return false;
  }
}

/**
 * The website snippet served at `/v1/sdk.js` (README "Browsing interests"), as plain ES2017 text.
 *
 *   <script src="https://<api>/v1/sdk.js" data-key="cb_site_…" async></script>
 *   cactubase.consent(true)   // after the visitor opts in (your consent banner)
 *   cactubase.track("calculator_used", { service: "mortgage" })
 *
 * Consent first: until `consent(true)` it writes no cookie (never, in fact), nothing to storage,
 * and sends nothing. On opt-in it keeps a first-party random id (crypto.getRandomValues) and the
 * consent in localStorage, then sends a page view; on a later page with the consent stored it
 * sends the page view itself. `consent(false)` forgets both. Events leave the browser with the
 * page's origin and path only (never its query or fragment), one `navigator.sendBeacon` per event
 * (fallback `fetch` with keepalive, no credentials), as `text/plain` JSON so no preflight is
 * needed, to `/v1/events?key=<site key>` on the host that served the snippet.
 *
 * Kept under 3 KB gzipped (a test measures it); tested with a fake window in
 * test/http/sdk/snippet.test.ts.
 */
export const SDK_SOURCE = `(function (w) {
  "use strict";
  var ID = "cactubase_id", OK = "cactubase_consent";
  var s = w.document && w.document.currentScript;
  var key = s && s.getAttribute("data-key");
  var base = s && s.src ? new URL(s.src).origin : "";
  function store() { try { return w.localStorage; } catch (e) { return null; } }
  function get(k) { var ls = store(); return ls ? ls.getItem(k) : null; }
  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] + 256).toString(16).slice(1);
    return out;
  }
  function random() { return hex(w.crypto.getRandomValues(new Uint8Array(16))); }
  function consented() { return get(OK) === "1" && !!get(ID); }
  function send(type, name, props) {
    if (!key || !consented()) return false;
    var l = w.location;
    var event = {
      type: type,
      message_id: random(),
      anonymous_id: get(ID),
      timestamp: new Date().toISOString(),
      context: { consent: { analytics: true }, page: { url: l.origin + l.pathname } },
      properties: props || {}
    };
    if (name) event.event = String(name);
    var url = base + "/v1/events?key=" + encodeURIComponent(key);
    var body = JSON.stringify({ batch: [event] });
    var n = w.navigator;
    if (n && n.sendBeacon && n.sendBeacon(url, new Blob([body], { type: "text/plain" }))) return true;
    if (w.fetch) {
      w.fetch(url, { method: "POST", body: body, keepalive: true, credentials: "omit", headers: { "content-type": "text/plain" } })
        .catch(function () {});
      return true;
    }
    return false;
  }
  var api = {
    consent: function (granted) {
      var ls = store();
      if (!ls) return false;
      if (granted !== true) {
        ls.removeItem(ID);
        ls.removeItem(OK);
        return false;
      }
      if (!ls.getItem(ID)) ls.setItem(ID, random());
      var first = ls.getItem(OK) !== "1";
      ls.setItem(OK, "1");
      if (first) send("page");
      return true;
    },
    page: function (props) { return send("page", null, props); },
    track: function (name, props) { return send("track", name, props); },
    anonymousId: function () { return consented() ? get(ID) : null; }
  };
  w.cactubase = api;
  if (consented()) send("page");
})(typeof window !== "undefined" ? window : this);
`;

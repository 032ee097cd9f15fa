// Afterword: the embeddable micro-survey. No dependencies, no outside assets; it draws itself in a
// shadow root, so the host page's CSS cannot reach it and its CSS cannot leak out.
//
//   <script src="https://afterword.example/embed.js" data-token="INVITE_TOKEN" async></script>
//   <script src="https://afterword.example/embed.js" data-signed="PAYLOAD.SIGNATURE" data-locale="fr" async></script>
//   Afterword.show({token | signed, locale, target, dir, onAnswer}); Afterword.close();
//
// Every word it shows comes from the server, translated; this file carries no text. Served compact
// (indentation and whole-line comments dropped) by app/survey/embed.py.
(function (win, doc) {
  "use strict";
  if (win.Afterword && win.Afterword.show) return;
  var me = doc.currentScript;
  var base = me ? me.src.replace(/\/embed\.js([?#].*)?$/, "") : "";
  var CSS =
    ":host{all:initial;display:block;z-index:2147483000}" +
    ":host([data-float]){position:fixed;inset-block-end:16px;inset-inline-end:16px;width:min(360px,calc(100vw - 16px))}" +
    ".aw{position:relative;box-sizing:border-box;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1c1e21;" +
    "background:#fff;border:1px solid #6b7280;border-radius:12px;padding:16px;box-shadow:0 4px 16px rgba(0,0,0,.18);overflow-wrap:anywhere}" +
    "@media(prefers-reduced-motion:no-preference){.aw{animation:aw-in .2s ease-out}}" +
    "@keyframes aw-in{from{opacity:0;transform:translateY(8px)}}" +
    "*,*::before{box-sizing:border-box}" +
    ".hd{display:flex;align-items:center;gap:8px;font-weight:600;margin:0 0 8px;padding-inline-end:32px}" +
    ".hd img{max-height:24px;max-width:40%}" +
    "fieldset{border:0;margin:0;padding:0;min-width:0}" +
    "legend,h2{font-size:16px;font-weight:600;margin:0 0 10px;padding:0}" +
    ".pts{display:flex;gap:4px}" +
    "label.p{position:relative;flex:1 1 0;min-width:24px}" +
    ".p input{position:absolute;inset-inline-start:0;opacity:0;width:1px;height:1px;margin:0}" +
    ".p span{display:flex;align-items:center;justify-content:center;min-height:44px;white-space:nowrap;border:2px solid #6b7280;border-radius:8px;cursor:pointer;font-weight:600}" +
    ".p:hover span{border-color:#1c1e21}" +
    ".p input:checked+span{background:var(--b,#2f5bd3);color:var(--ob,#fff);border-color:#1c1e21}" +
    ".p input:focus-visible+span,button:focus-visible,textarea:focus-visible{outline:3px solid #111;outline-offset:2px;box-shadow:0 0 0 2px #fff}" +
    ".ends{display:flex;justify-content:space-between;gap:8px;color:#4b5057;font-size:13px;margin:4px 0 0}" +
    ".ends span+span{text-align:end}" +
    ".fu{display:block;font-weight:600;margin:12px 0 4px}" +
    "textarea{display:block;width:100%;font:inherit;color:inherit;background:#fff;padding:6px 8px;border:1px solid #6b7280;border-radius:8px;resize:vertical}" +
    "button{font:inherit;cursor:pointer}" +
    ".go{margin-block-start:12px;min-height:44px;font-weight:600;padding:8px 16px;border:2px solid transparent;border-radius:8px;background:var(--b,#2f5bd3);color:var(--ob,#fff)}" +
    ".go[disabled]{opacity:.7;cursor:progress}" +
    ".x{position:absolute;inset-block-start:8px;inset-inline-end:8px;width:32px;height:32px;border:0;border-radius:8px;background:transparent;color:#1c1e21;font-size:22px;line-height:1}" +
    ".st{margin:8px 0 0;font-size:14px}.st:empty{display:none}.err{color:#a4000f;font-weight:600}" +
    "[hidden]{display:none!important}" +
    // Phones, last so it wins: eleven points of at least 24 x 44 px in one row down to 320 px
    // (312 - 2 x 12 padding - 2 border - 10 x 2 gaps = 266: 24.2 px each).
    "@media(max-width:400px){:host([data-float]){inset-inline-end:4px;inset-block-end:4px;width:calc(100vw - 8px)}.aw{padding:12px}.pts{gap:2px}}";

  var host, last;

  // A new element: el("p", parent, {class: "x"}, "text"); text always goes in as text, never as HTML.
  function el(tag, parent, attrs, text) {
    var node = doc.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function call(path, body) {
    var init = {credentials: "omit", mode: "cors"};
    if (body) {
      init.method = "POST";
      init.headers = {"Content-Type": "application/json"};
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(function (res) {
      return res.json().then(function (data) {
        return {status: res.status, data: data};
      });
    });
  }

  // The follow-up wording's band; the server sends the edges (app/services/kinds.py).
  function band(bands, score) {
    return score >= bands.high_min ? "high" : score <= bands.low_max ? "low" : "default";
  }

  function close() {
    if (host && host.parentNode) host.parentNode.removeChild(host);
    host = null;
  }

  function mount(opts, survey) {
    close();
    var target = typeof opts.target === "string" ? doc.querySelector(opts.target) : opts.target;
    host = el("afterword-survey", null, {"data-afterword": ""});
    if (!target) host.setAttribute("data-float", "");
    // The host page's direction places the card (bottom right, or bottom left in a right-to-left
    // page); the survey's language sets the card's own direction; the host's words get dir=auto.
    host.dir = doc.documentElement.dir || (doc.body && doc.body.dir) || "ltr";
    var brand = survey.branding || {};
    host.style.setProperty("--b", brand.colour || "#2f5bd3");
    host.style.setProperty("--ob", brand.on_colour || "#fff");
    var root = host.attachShadow({mode: "open"});
    // A constructed sheet is not inline style as far as the host page's CSP is concerned.
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      el("style", root, null, CSS);
    }
    var t = survey.strings;
    var box = el("div", root, {"class": "aw", role: "region", "aria-label": t.region, lang: survey.locale,
      dir: opts.dir || (/^(ar|he|fa|ur)\b/.test(survey.locale) ? "rtl" : "ltr")});
    var hd = el("div", box, {"class": "hd"});
    if (/^https:\/\//.test(brand.logo_url || "")) {
      var logo = el("img", hd, {alt: "", src: brand.logo_url});
      logo.onerror = function () { logo.hidden = true; };
    }
    el("span", hd, {dir: "auto"}, brand.name);
    var body = el("div", box);
    var status = el("p", box, {"class": "st", role: "status", "aria-live": "polite"});
    var x = el("button", box, {"class": "x", type: "button", "aria-label": t.close}, "\u00d7");
    x.onclick = close;
    box.addEventListener("keydown", function (e) {
      if (e.key === "Escape") close();
    });
    (target || doc.body).appendChild(host);
    return {body: body, status: status, t: t};
  }

  // The closing words: thanks, locked or closed. After an answer the heading takes focus, so it is
  // read out; on first display focus stays where the host page has it.
  function finish(ui, title, text, focus, more) {
    ui.body.textContent = "";
    var h = el("h2", ui.body, {tabindex: "-1"}, title);
    el("p", ui.body, null, text);
    // The survey's own thanks, in its team's words.
    if (more) el("p", ui.body, {dir: "auto"}, more);
    ui.status.textContent = "";
    if (focus) h.focus();
  }

  function form(ui, survey, opts) {
    var t = ui.t, min = survey.scale[0], max = survey.scale[1], answer = survey.answer || {}, shown = null;
    var f = el("form", ui.body, {novalidate: ""});
    var set = el("fieldset", f, {"aria-describedby": "aw-ends"});
    el("legend", set, {dir: "auto"}, survey.question);
    var pts = el("div", set, {"class": "pts"});
    for (var n = min; n <= max; n++) {
      var label = el("label", pts, {"class": "p"});
      var radio = el("input", label, {type: "radio", name: "score", value: n});
      radio.checked = answer.score === n;
      el("span", label, null, n);
    }
    var ends = el("p", set, {"class": "ends", id: "aw-ends"});
    el("span", ends, null, min + ": " + t.low);
    el("span", ends, null, max + ": " + t.high);
    var more = el("div", f, {hidden: ""});
    // The follow-up question is its own live region: read once when its wording changes (the radio
    // already says which score is checked), never repeated in the status line.
    var fu = el("label", more, {"class": "fu", "for": "aw-c", dir: "auto", "aria-live": "polite"});
    var comment = el("textarea", more, {id: "aw-c", rows: 3, maxlength: 5000, dir: "auto"});
    comment.value = answer.comment || "";
    var go = el("button", f, {"class": "go", type: "submit"}, survey.answer ? t.update : t.send);

    function picked() {
      var r = f.querySelector("input:checked");
      return r ? +r.value : null;
    }
    // Show the follow-up for the chosen score; a pick answers "Choose a score first".
    function follow() {
      var score = picked();
      if (score === null) return;
      var text = survey.follow_up[band(survey.bands, score)];
      more.hidden = false;
      ui.status.className = "st";
      ui.status.textContent = "";
      if (text !== shown) fu.textContent = shown = text;
    }
    f.addEventListener("change", follow);
    follow();
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var score = picked();
      if (score === null) {
        ui.status.className = "st err";
        ui.status.textContent = t.choose;
        f.querySelector("input").focus();
        return;
      }
      go.disabled = true;
      go.textContent = t.sending;
      call("/api/v1/public/invites/" + encodeURIComponent(survey.token) + "/response", {score: score, comment: comment.value})
        .then(function (res) {
          if (res.status === 201 || res.status === 200) {
            finish(ui, t.thanks, t.recorded, 1, survey.thank_you);
            if (opts.onAnswer) opts.onAnswer({score: res.data.score, comment: res.data.comment});
          } else if (res.status === 410) {
            finish(ui, t.closed, t.closed_text, 1);
          } else if (res.status === 409) {
            finish(ui, t.thanks, t.locked, 1);
          } else {
            throw res;
          }
        })
        .catch(function () {
          go.disabled = false;
          go.textContent = survey.answer ? t.update : t.send;
          ui.status.className = "st err";
          ui.status.textContent = t.failed;
        });
    });
  }

  function show(opts) {
    opts = opts || {};
    last = opts;
    var q = opts.locale ? "?locale=" + encodeURIComponent(opts.locale) : "";
    var req = opts.signed
      ? call("/api/v1/public/embed", {signed: opts.signed, locale: opts.locale || undefined})
      : call("/api/v1/public/invites/" + encodeURIComponent(opts.token || "") + q);
    return req.then(function (res) {
      // Nothing to ask (fatigue rules, expired signature, unknown token): the page stays as it was.
      if (res.status !== 200 || !res.data.strings || opts !== last) {
        if (res.status !== 200 && win.console) console.warn("Afterword:", (res.data.error || {}).message || res.status);
        return;
      }
      var survey = res.data, ui = mount(opts, survey), t = ui.t;
      if (survey.status === "closed") finish(ui, t.closed, t.closed_text);
      else if (survey.status === "answered") finish(ui, t.thanks, t.locked);
      else form(ui, survey, opts);
    }).catch(function (e) {
      if (win.console) console.warn("Afterword:", e);
    });
  }

  win.Afterword = {show: show, close: close};
  if (me && (me.dataset.token || me.dataset.signed)) {
    var auto = {token: me.dataset.token, signed: me.dataset.signed, locale: me.dataset.locale, target: me.dataset.target};
    if (doc.body) show(auto);
    else doc.addEventListener("DOMContentLoaded", function () { show(auto); });
  }
})(window, document);

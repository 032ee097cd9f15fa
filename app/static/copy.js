/* Copy buttons of the settings pages: a button with data-copy-target="<field id>" copies that
   readonly field. Buttons stay hidden without this script; the fields remain selectable. */
(function () {
  "use strict";

  function announce(button, text) {
    var status = document.querySelector('[data-copy-status-for="' + button.getAttribute("data-copy-target") + '"]');
    if (status) {
      status.textContent = text;
      window.setTimeout(function () { status.textContent = ""; }, 3000);
    }
  }

  function fallback(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) { return; }
    var done = function () { announce(button, button.getAttribute("data-copied-text") || "Copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { if (fallback(field)) { done(); } });
    } else if (fallback(field)) {
      done();
    }
  }

  function wire() {
    var buttons = document.querySelectorAll("button[data-copy-target]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();

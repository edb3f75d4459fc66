// Gatehouse pages work without JavaScript; this file only adds hints: the
// length of a new password, and the countdown of a resend button. The server
// applies the real rules.
(function () {
  "use strict";
  // The texts this script shows, in the page's language (gatehouse-texts,
  // which every page carries): no English of its own.
  var texts = {};
  try { texts = JSON.parse(document.getElementById("gatehouse-texts").textContent) || {}; } catch (e) { texts = {}; }
  function text(key) { return texts[key] || ""; }
  // estimate says only what this page can know: the length and repeated
  // characters. The blocklist of breached passwords, the member's and the
  // organization's names and the history are checked by the server, so the
  // hint never calls a password strong that the server may then refuse.
  function estimate(pw, min) {
    if (!pw) return null;
    var len = Array.from(pw).length;
    var unique = new Set(pw.toLowerCase()).size;
    if (len < min) return { cls: "weak", text: text("strength_short").replace("{length}", len).replace("{min}", min) };
    if (unique < 5) return { cls: "weak", text: text("strength_repeated") };
    return { cls: "known", text: text("strength_known") };
  }
  document.querySelectorAll("input[data-strength]").forEach(function (input) {
    var out = document.getElementById(input.id + "-meter");
    var min = parseInt(input.getAttribute("data-strength"), 10) || 8;
    if (!out) return;
    input.addEventListener("input", function () {
      var r = estimate(input.value, min);
      if (!r) { out.hidden = true; return; }
      out.hidden = false;
      out.className = "meter " + r.cls;
      out.textContent = r.text;
    });
  });
  // A form with data-cooldown="N" may be sent again only after N seconds:
  // its buttons are disabled and the seconds count down, then it says so
  // once (politely, to screen readers) and the buttons work again. The server
  // enforces the same cooldown; without JavaScript the buttons stay usable
  // and the server answers with the time left.
  document.querySelectorAll("form[data-cooldown]").forEach(function (form) {
    var left = parseInt(form.getAttribute("data-cooldown"), 10) || 0;
    var buttons = form.querySelectorAll("button");
    var secs = form.querySelector(".cooldown .seconds");
    var msg = form.querySelector(".cooldown");
    if (left <= 0) return;
    buttons.forEach(function (b) { b.disabled = true; });
    var timer = setInterval(function () {
      left--;
      if (left > 0) { if (secs) secs.textContent = left; return; }
      clearInterval(timer);
      buttons.forEach(function (b) { b.disabled = false; });
      if (msg) { msg.setAttribute("role", "status"); msg.textContent = text("code_again"); }
    }, 1000);
  });
  // After a refused form, the first field at fault has the focus, so that a
  // keyboard or screen-reader user starts where the work is; the summary at
  // the top links to every field.
  var bad = document.querySelector('[aria-invalid="true"]');
  if (bad) bad.focus();
  // A header checkbox with data-select-all="NAME" ticks or clears every
  // checkbox of that name on the page.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var boxes = document.querySelectorAll('input[type=checkbox][name="' + all.getAttribute("data-select-all") + '"]');
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
    });
  });
})();

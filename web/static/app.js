// Gatehouse pages work without JavaScript; this file only adds a password
// strength hint. The server applies the real rules.
(function () {
  "use strict";
  function estimate(pw, min) {
    if (!pw) return null;
    var classes = 0;
    if (/[a-z]/.test(pw)) classes++;
    if (/[A-Z]/.test(pw)) classes++;
    if (/[0-9]/.test(pw)) classes++;
    if (/[^A-Za-z0-9]/.test(pw)) classes++;
    var unique = new Set(pw.toLowerCase()).size;
    var len = Array.from(pw).length;
    if (len < min) return { cls: "weak", text: "Too short: " + len + " of at least " + min + " characters." };
    if (unique < 5 || /^(.)\1+$/.test(pw)) return { cls: "weak", text: "Weak: too many repeated characters." };
    var score = len + classes * 2 + Math.min(unique, 20) / 2;
    if (score < min + 8) return { cls: "fair", text: "Fair: a longer passphrase of unrelated words would be stronger." };
    return { cls: "good", text: "Strong, as long as you use it nowhere else." };
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
})();

// The builtin CAPTCHA of the forgotten-password form: a proof of work that the
// browser does on its own, so there is nothing for the person to solve, see or
// hear. The server's challenge is signed, expires and works once; this script
// finds a number n such that SHA-256("challenge:n") starts with the required
// number of zero bits, puts n in the form and says so in a live region.
// It uses Web Crypto; where that is missing (a page served over plain http from
// another host than localhost) it falls back to the small SHA-256 below.
(function () {
  "use strict";
  // The texts this script shows, in the page's language (gatehouse-texts,
  // which every page carries): no English of its own.
  var texts = {};
  try { texts = JSON.parse(document.getElementById("gatehouse-texts").textContent) || {}; } catch (e) { texts = {}; }
  function text(key) { return texts[key] || ""; }
  var box = document.querySelector("[data-pow-challenge]");
  if (!box) return;
  var form = box.closest("form");
  var challenge = box.getAttribute("data-pow-challenge");
  var bits = parseInt(box.getAttribute("data-pow-difficulty"), 10) || 1;
  var answer = form.querySelector("input[name=captcha_solution]");
  var status = document.getElementById("captcha-status");
  var prefix = challenge + ":";
  var encoder = new TextEncoder();
  var done = false, waiting = false;

  function say(text, cls) {
    status.textContent = text;
    status.className = "captcha-status " + cls;
  }

  function zeroBits(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      var b = bytes[i];
      if (b === 0) { n += 8; continue; }
      while ((b & 0x80) === 0) { n++; b <<= 1; }
      break;
    }
    return n;
  }

  // SHA-256 (FIPS 180-4) for the fallback. The round constants are the first 32
  // bits of the fractional parts of the cube roots of the first 64 primes, the
  // initial values those of the square roots of the first 8: computed, not typed.
  var K = [], H0 = [];
  (function () {
    var primes = [], n = 2;
    while (primes.length < 64) {
      var prime = true;
      for (var i = 0; i < primes.length && primes[i] * primes[i] <= n; i++) {
        if (n % primes[i] === 0) { prime = false; break; }
      }
      if (prime) primes.push(n);
      n++;
    }
    function frac(x) { return ((x - Math.floor(x)) * 4294967296) >>> 0; }
    for (var j = 0; j < 64; j++) {
      K.push(frac(Math.cbrt(primes[j])));
      if (j < 8) H0.push(frac(Math.sqrt(primes[j])));
    }
  })();

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  function sha256(msg) {
    var len = msg.length, total = ((len + 9 + 63) >> 6) << 6;
    var buf = new Uint8Array(total);
    buf.set(msg);
    buf[len] = 0x80;
    var bitLen = len * 8;
    buf[total - 4] = (bitLen >>> 24) & 255; buf[total - 3] = (bitLen >>> 16) & 255;
    buf[total - 2] = (bitLen >>> 8) & 255; buf[total - 1] = bitLen & 255;
    var h = H0.slice(), w = new Array(64);
    for (var off = 0; off < total; off += 64) {
      for (var t = 0; t < 16; t++) {
        var p = off + t * 4;
        w[t] = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
      }
      for (t = 16; t < 64; t++) {
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) >>> 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] = (h[0] + a) >>> 0; h[1] = (h[1] + b) >>> 0; h[2] = (h[2] + c) >>> 0; h[3] = (h[3] + d) >>> 0;
      h[4] = (h[4] + e) >>> 0; h[5] = (h[5] + f) >>> 0; h[6] = (h[6] + g) >>> 0; h[7] = (h[7] + k) >>> 0;
    }
    var out = new Uint8Array(32);
    for (var i = 0; i < 8; i++) {
      out[i * 4] = h[i] >>> 24; out[i * 4 + 1] = (h[i] >>> 16) & 255;
      out[i * 4 + 2] = (h[i] >>> 8) & 255; out[i * 4 + 3] = h[i] & 255;
    }
    return out;
  }

  // searchSubtle hashes candidates in batches with Web Crypto, in order, and
  // resolves with the first that has enough zero bits.
  var subtle = window.crypto && window.crypto.subtle;
  function searchSubtle(start) {
    var jobs = [];
    for (var i = 0; i < 256; i++) {
      jobs.push(subtle.digest("SHA-256", encoder.encode(prefix + (start + i))));
    }
    return Promise.all(jobs).then(function (sums) {
      for (var i = 0; i < sums.length; i++) {
        if (zeroBits(new Uint8Array(sums[i])) >= bits) return start + i;
      }
      return searchSubtle(start + 256);
    });
  }

  // searchPlain does the same with the fallback, yielding to the page between
  // slices so that it stays responsive.
  function searchPlain(start) {
    return new Promise(function (resolve) {
      (function slice(n) {
        for (var end = n + 2000; n < end; n++) {
          if (zeroBits(sha256(encoder.encode(prefix + n))) >= bits) { resolve(n); return; }
        }
        setTimeout(function () { slice(n); }, 0);
      })(start);
    });
  }

  form.addEventListener("submit", function (ev) {
    if (done) return;
    ev.preventDefault();
    waiting = true;
    say(text("captcha_finishing"), "working");
  });

  say(text("captcha_working"), "working");
  var search = subtle ? searchSubtle(0).catch(function () { return searchPlain(0); }) : searchPlain(0);
  search.then(function (n) {
    answer.value = String(n);
    done = true;
    say(text("captcha_done"), "done");
    if (waiting) form.submit();
  });

  // For tests: the fallback hash, to check it against known values.
  window.gatehouseCaptcha = { sha256: function (s) { return sha256(encoder.encode(s)); }, searchPlain: searchPlain };
})();

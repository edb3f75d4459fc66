// Passkeys: the browser's side of the WebAuthn ceremonies. The server makes
// every decision; this file only carries its options to
// navigator.credentials and the answer back in a form.
(function () {
  "use strict";
  // The texts this script shows, in the page's language (gatehouse-texts,
  // which every page carries): no English of its own.
  var texts = {};
  try { texts = JSON.parse(document.getElementById("gatehouse-texts").textContent) || {}; } catch (e) { texts = {}; }
  function text(key) { return texts[key] || ""; }
  if (!window.PublicKeyCredential || !navigator.credentials) {
    document.querySelectorAll("form[data-passkey]").forEach(function (f) {
      var msg = f.querySelector("#passkey-error");
      var btn = f.querySelector("#passkey-start");
      if (btn) btn.disabled = true;
      if (msg) { msg.hidden = false; msg.textContent = text("passkey_unsupported"); }
    });
    return;
  }
  function toBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), a = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) a[i] = bin.charCodeAt(i);
    return a.buffer;
  }
  function toB64(buf) {
    var a = new Uint8Array(buf), s = "";
    for (var i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    var p = o.publicKey;
    p.challenge = toBuf(p.challenge);
    p.user.id = toBuf(p.user.id);
    (p.excludeCredentials || []).forEach(function (c) { c.id = toBuf(c.id); });
    return p;
  }
  function requestOptions(o) {
    var p = o.publicKey;
    p.challenge = toBuf(p.challenge);
    (p.allowCredentials || []).forEach(function (c) { c.id = toBuf(c.id); });
    return p;
  }
  function answer(c) {
    var r = c.response, out = {
      id: c.id, rawId: toB64(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64(r.clientDataJSON) }
    };
    if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = toB64(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64(r.authenticatorData);
      out.response.signature = toB64(r.signature);
      if (r.userHandle) out.response.userHandle = toB64(r.userHandle);
    }
    return JSON.stringify(out);
  }
  function fail(form, e) {
    var msg = form.querySelector("#passkey-error");
    if (!msg) return;
    msg.hidden = false;
    if (e && e.name === "NotAllowedError") {
      msg.textContent = text("passkey_cancelled");
    } else if (e && e.name === "InvalidStateError") {
      msg.textContent = text("passkey_exists");
    } else if (e && e.detail) {
      msg.textContent = e.detail;
    } else {
      msg.textContent = text("passkey_failed");
    }
  }
  function submit(form, credential) {
    form.querySelector("#passkey-response").value = answer(credential);
    form.submit();
  }
  // fetchOptions asks the server for the options of a ceremony, with the
  // form's anti-forgery token.
  function fetchOptions(form) {
    var body = new URLSearchParams();
    body.set("csrf_token", form.querySelector("input[name=csrf_token]").value);
    return fetch(form.getAttribute("data-options"), {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      return res.json().then(function (j) {
        if (!res.ok) throw j;
        return j;
      });
    });
  }

  // Adding a passkey: the options are in the page.
  var reg = document.querySelector("form[data-passkey=register]");
  if (reg) {
    var create = function () {
      var opts = JSON.parse(document.getElementById("passkey-options").textContent);
      navigator.credentials.create({ publicKey: creationOptions(opts) })
        .then(function (c) { submit(reg, c); }, function (e) { fail(reg, e); });
    };
    reg.querySelector("#passkey-start").addEventListener("click", create);
    create();
  }

  // Sign-in and second factor: the options come from the server on demand.
  var pending = null; // the AbortController of a conditional request
  document.querySelectorAll("form[data-passkey=sign-in], form[data-passkey=second-factor]").forEach(function (form) {
    form.querySelector("#passkey-start").addEventListener("click", function () {
      if (pending) { pending.abort(); pending = null; }
      fetchOptions(form).then(function (o) {
        return navigator.credentials.get({ publicKey: requestOptions(o) });
      }).then(function (c) { submit(form, c); }, function (e) { fail(form, e); });
    });
  });

  // Autofill: the browser offers passkeys in the username field where it can.
  var signin = document.querySelector("form[data-passkey=sign-in]");
  if (signin && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
      if (!ok) return;
      return fetchOptions(signin).then(function (o) {
        pending = new AbortController();
        return navigator.credentials.get({ publicKey: requestOptions(o), mediation: "conditional", signal: pending.signal });
      }).then(function (c) { if (c) submit(signin, c); });
    }).catch(function () { /* no autofill: the button remains */ });
  }
})();

// The proposal form (申報書): live budget totals and a warning before unsaved changes are lost.
// Progressive: without this file the server computes the totals on every save and the
// "save and manage attachments" button saves before leaving. The server's figures are the
// authoritative ones; these are computed the same way (fen, half-up) for the clerk's eyes only.
(function () {
  "use strict";

  // ---- unsaved changes: <form data-guard="message">
  var guarded = document.querySelectorAll("form[data-guard]");
  var dirty = false;
  guarded.forEach(function (form) {
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    form.addEventListener("click", function (event) {
      // adding or removing a row changes the form too
      var t = event.target;
      if (t instanceof Element && (t.classList.contains("add-row") || t.classList.contains("remove-row"))) { dirty = true; }
    });
  });
  if (guarded.length) {
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) { return undefined; }
      var message = guarded[0].getAttribute("data-guard") || "";
      event.preventDefault();
      event.returnValue = message;  // browsers show their own text; the value only has to be set
      return message;
    });
  }

  // ---- live budget totals
  var summary = document.getElementById("budget-summary");
  if (!summary) { return; }
  var form = summary.closest("form");
  var live = document.getElementById("budget-live");

  // "1,234.5" -> 123450 (cents) or null; at most 2 decimals counted, as the server requires
  function hundredths(text) {
    var s = String(text || "").replace(/[,，\s¥￥]/g, "");
    if (!/^\d+(\.\d{0,2})?$/.test(s)) { return null; }
    var parts = s.split(".");
    var frac = (parts[1] || "") + "00";
    return parseInt(parts[0], 10) * 100 + parseInt(frac.slice(0, 2), 10);
  }
  function money(cents) {
    var negative = cents < 0;
    cents = Math.abs(cents);
    var whole = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var frac = (cents % 100 < 10 ? "0" : "") + (cents % 100);
    return (negative ? "-" : "") + "¥" + whole + "." + frac;
  }
  function value(name) {
    var el = form.querySelector('[name="' + name + '"]');
    return el ? el.value : "";
  }
  function fill(template, params) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return params[key] !== undefined ? params[key] : m; });
  }

  function update() {
    var total = 0;
    var admin = 0;
    form.querySelectorAll('.repeat[data-section="budget_lines"] > .repeat-row').forEach(function (row) {
      var price = row.querySelector('[name$="-unit_price"]');
      var qty = row.querySelector('[name$="-quantity"]');
      var category = row.querySelector('[name$="-category"]');
      var out = row.querySelector("output.line-subtotal");
      var p = price ? hundredths(price.value) : null;
      var q = qty ? hundredths(qty.value) : null;
      var sub = null;
      if (p !== null && q !== null) {
        sub = Math.floor((p * q + 50) / 100);  // cents × hundredths / 100, half-up
        total += sub;
        if (category && category.value === "administration") { admin += sub; }
      }
      if (out) { out.textContent = sub === null ? "—" : money(sub); }
    });
    var requested = hundredths(value("requested"));
    var matching = hundredths(value("matching_funds"));
    var sum = (requested || 0) + (matching || 0);
    document.getElementById("budget-total").textContent = money(total);
    document.getElementById("budget-sum").textContent = money(sum);
    var share = total > 0 ? Math.round(admin * 10000 / total) / 100 : 0;
    document.getElementById("budget-admin-share").textContent = share.toFixed(2) + "%";

    if (!live) { return; }
    var problems = [];
    var cap = hundredths(summary.getAttribute("data-cap"));
    var adminMax = parseFloat(summary.getAttribute("data-admin-max"));
    if (requested !== null && cap !== null && requested > cap) {
      problems.push(fill(live.getAttribute("data-msg-cap"), { cap: money(cap) }));
    }
    if (requested !== null && matching !== null && total > 0 && total !== sum) {
      problems.push(fill(live.getAttribute("data-msg-mismatch"), { total: money(total), sum: money(sum) }));
    }
    if (total > 0 && admin * 100 > adminMax * total) {
      problems.push(fill(live.getAttribute("data-msg-admin"), { share: share.toFixed(2), max: String(adminMax) }));
    }
    live.textContent = "";
    problems.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      live.appendChild(li);
    });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("click", function (event) {
    var t = event.target;
    if (t instanceof Element && t.classList.contains("remove-row")) { window.setTimeout(update, 0); }
  });
  update();
})();

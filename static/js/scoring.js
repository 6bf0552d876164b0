// Running total on the score form. Only a preview: the server recomputes the total
// with exact decimals when the form is saved and never trusts this number.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  var out = document.getElementById("running-total");
  if (!form || !out) { return; }

  // Scores are typed with at most a few decimals: work in integer thousandths.
  function parse(value) {
    if (value === null) { return null; }
    var s = String(value).replace(/[\uff10-\uff19]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/\uff0e/g, ".").trim();
    if (s === "") { return null; }
    if (!/^[+]?(\d+(\.\d{0,3})?|\.\d{1,3})$/.test(s)) { return NaN; }
    return Math.round(parseFloat(s) * 1000);
  }
  function fmt(thousandths) {
    var s = (thousandths / 1000).toFixed(3);
    return s.replace(/\.?0+$/, "");
  }
  function highlightBand(input, value) {
    var fieldset = input.closest("fieldset");
    if (!fieldset) { return; }
    var rows = fieldset.querySelectorAll("table.bands tr");
    for (var i = 0; i < rows.length; i++) {
      var lo = parse(rows[i].getAttribute("data-min"));
      var hi = parse(rows[i].getAttribute("data-max"));
      var on = value !== null && !isNaN(value) && value >= lo && value <= hi;
      rows[i].classList.toggle("current-band", on);
    }
  }
  function update() {
    var total = 0, complete = true, bad = false;
    var inputs = form.querySelectorAll("input[data-criterion]");
    for (var i = 0; i < inputs.length; i++) {
      var v = parse(inputs[i].value);
      var max = parse(inputs[i].getAttribute("data-max"));
      var weight = parseFloat(inputs[i].getAttribute("data-weight") || "1");
      highlightBand(inputs[i], v);
      if (v === null) { complete = false; continue; }
      if (isNaN(v) || v < 0 || v > max) { bad = true; inputs[i].classList.add("out-of-range"); continue; }
      inputs[i].classList.remove("out-of-range");
      total += Math.round(v * weight);
    }
    var bonus = 0;
    var bonuses = form.querySelectorAll("input[data-bonus]");
    for (var j = 0; j < bonuses.length; j++) {
      var b = parse(bonuses[j].value);
      var bmax = parse(bonuses[j].getAttribute("data-max"));
      if (b === null) { continue; }
      if (isNaN(b) || b < 0 || b > bmax) { bad = true; continue; }
      bonus += b;
    }
    var cap = parse(form.getAttribute("data-bonus-cap") || "0");
    total += Math.min(bonus, cap);
    out.textContent = fmt(total) + (complete && !bad ? "" : " …");
    out.classList.toggle("incomplete", !complete || bad);
  }
  form.addEventListener("input", update);
  update();
})();

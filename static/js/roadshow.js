// Roadshow (路演): the host's countdown timer and live judge status; the judge's running total.
// Pure client-side; every page works without this file (the host page then refreshes itself).
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fmt(seconds) {
    var s = Math.abs(Math.round(seconds));
    return (seconds < 0 ? "-" : "") + pad(Math.floor(s / 60)) + ":" + pad(s % 60);
  }

  // ---- host screen: presentation + Q&A countdown
  var host = document.getElementById("host");
  if (host) {
    var present = parseInt(host.getAttribute("data-present"), 10) * 60;
    var qa = parseInt(host.getAttribute("data-qa"), 10) * 60;
    var timer = document.getElementById("timer");
    var phase = document.getElementById("timer-phase");
    var startBtn = document.getElementById("timer-start");
    var qaBtn = document.getElementById("timer-qa");
    var resetBtn = document.getElementById("timer-reset");
    var state = { phase: "present", endsAt: null, tick: null };

    var render = function () {
      if (!timer) { return; }
      var now = Date.now();
      var left = state.endsAt ? (state.endsAt - now) / 1000 : (state.phase === "present" ? present : qa);
      if (state.endsAt && left <= 0 && state.phase === "present") {
        state.phase = "qa";
        state.endsAt = now + qa * 1000 + left * 1000;
        left = (state.endsAt - now) / 1000;
      }
      timer.textContent = fmt(Math.ceil(left));
      timer.classList.toggle("qa", state.phase === "qa");
      timer.classList.toggle("over", left <= 0);
      phase.textContent = left <= 0 ? host.getAttribute("data-label-over")
        : host.getAttribute(state.phase === "present" ? "data-label-present" : "data-label-qa");
    };
    var start = function () {
      if (!state.endsAt) { state.endsAt = Date.now() + (state.phase === "present" ? present : qa) * 1000; }
      if (!state.tick) { state.tick = window.setInterval(render, 250); }
      render();
    };
    if (timer && startBtn) {
      [startBtn, qaBtn, resetBtn].forEach(function (b) { b.classList.remove("hidden"); });
      startBtn.addEventListener("click", start);
      qaBtn.addEventListener("click", function () { state.phase = "qa"; state.endsAt = null; start(); });
      resetBtn.addEventListener("click", function () {
        state.phase = "present"; state.endsAt = null;
        if (state.tick) { window.clearInterval(state.tick); state.tick = null; }
        render();
      });
    }

    // ---- live status: who has submitted, and the score once all have
    var url = host.getAttribute("data-status-url");
    var current = host.getAttribute("data-current");
    var poll = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.onload = function () {
        if (xhr.status !== 200) { return; }
        var data;
        try { data = JSON.parse(xhr.responseText); } catch (e) { return; }
        var now = data.current ? String(data.current.proposal_id) : "";
        if (now !== current) { window.location.reload(); return; }
        var list = document.getElementById("judges");
        if (!list) { return; }
        data.judges.forEach(function (j) {
          var li = list.querySelector('[data-judge="' + j.id + '"]');
          if (li) {
            li.classList.toggle("done", j.submitted);
            li.textContent = j.name + (j.submitted ? " ✓" : "");
          }
        });
        document.getElementById("submitted-count").textContent = data.submitted;
        document.getElementById("announce").classList.toggle("hidden", !data.all_submitted);
        document.getElementById("waiting").classList.toggle("hidden", data.all_submitted);
        document.getElementById("announce-score").textContent = data.all_submitted ? data.score : "";
      };
      xhr.send();
    };
    window.setInterval(poll, 3000);
  }

  // ---- judge's phone: follow the host (the project on stage) without a manual refresh.
  // Reload when the host moves on, unless the judge has typed scores not yet submitted: then
  // only say so (the typed sheet belongs to the previous project and could not be saved anyway).
  var follow = document.getElementById("judge-follow");
  if (follow) {
    var nowUrl = follow.getAttribute("data-now-url");
    var onStage = follow.getAttribute("data-current");
    var typed = false;
    var judgeForm = document.getElementById("judge-sheet");
    if (judgeForm) {
      judgeForm.addEventListener("input", function () { typed = true; });
      judgeForm.addEventListener("submit", function () { typed = false; });
    }
    var check = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", nowUrl);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.onload = function () {
        if (xhr.status !== 200) { return; }
        var data;
        try { data = JSON.parse(xhr.responseText); } catch (e) { return; }
        var current = data.current === null || data.current === undefined ? "" : String(data.current);
        if (current === onStage) { return; }
        if (typed) {
          document.getElementById("judge-moved").classList.remove("hidden");
        } else {
          window.location.reload();
        }
      };
      xhr.send();
    };
    window.setInterval(check, 3000);
  }

  // ---- judge's phone: running total
  var sheet = document.getElementById("judge-sheet");
  if (sheet) {
    var out = document.getElementById("running-total");
    var inputs = sheet.querySelectorAll("input[data-weight]");
    var update = function () {
      var total = 0;
      inputs.forEach(function (input) {
        var v = parseFloat(input.value);
        if (!isNaN(v)) { total += v * parseFloat(input.getAttribute("data-weight")); }
      });
      out.textContent = (Math.round(total * 100) / 100).toString();
    };
    inputs.forEach(function (input) { input.addEventListener("input", update); });
    update();
  }
})();

// Repeatable rows on the proposal form: add (clone the last row, renumber its names) and remove.
// Without this file the form still works: two blank rows are always rendered and the
// "save and add more rows" button asks the server for more.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function rowsOf(container) {
    return Array.prototype.slice.call(container.querySelectorAll(":scope > .repeat-row"));
  }

  function nextIndex(container, section) {
    var highest = -1;
    var pattern = new RegExp("^" + section + "-(\\d+)-");
    container.querySelectorAll("[name]").forEach(function (el) {
      var m = pattern.exec(el.getAttribute("name"));
      if (m) { highest = Math.max(highest, parseInt(m[1], 10)); }
    });
    return highest + 1;
  }

  function clear(row) {
    row.querySelectorAll("input, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") { el.checked = false; } else { el.value = ""; }
      el.removeAttribute("aria-invalid");
    });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    row.querySelectorAll(".error").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    row.querySelectorAll("output").forEach(function (el) { el.textContent = "—"; });
  }

  function renumber(row, section, index) {
    var pattern = new RegExp("^" + section + "-\\d+-");
    var replacement = section + "-" + index + "-";
    ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
      row.querySelectorAll("[" + attr + "]").forEach(function (el) {
        el.setAttribute(attr, el.getAttribute(attr).replace(pattern, replacement));
      });
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.classList.contains("add-row")) {
      var section = target.getAttribute("data-section");
      var container = document.querySelector('.repeat[data-section="' + section + '"]');
      var rows = rowsOf(container);
      if (!rows.length) { return; }
      var copy = rows[rows.length - 1].cloneNode(true);
      renumber(copy, section, nextIndex(container, section));
      clear(copy);
      container.appendChild(copy);
      var first = copy.querySelector("input, textarea, select");
      if (first) { first.focus(); }
    } else if (target.classList.contains("remove-row")) {
      var row = target.closest(".repeat-row");
      var parent = row && row.parentElement;
      if (!row) { return; }
      if (rowsOf(parent).length > 1) { row.remove(); } else { clear(row); }
    }
  });
})();

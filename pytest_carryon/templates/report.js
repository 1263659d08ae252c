(function () {
  "use strict";
  var convs = Array.prototype.slice.call(document.querySelectorAll("details.conv"));
  var filters = document.getElementById("filters");
  var selects = Array.prototype.slice.call(filters.querySelectorAll("select"));
  var shown = document.getElementById("shown");
  var empty = document.getElementById("no-match");

  function apply() {
    var count = 0;
    convs.forEach(function (conv) {
      var match = selects.every(function (s) {
        return !s.value || conv.getAttribute("data-" + s.name) === s.value;
      });
      conv.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = count + " of " + convs.length + " shown";
    empty.hidden = count !== 0;
  }

  function openAll(open) {
    convs.forEach(function (conv) { conv.open = open; });
  }

  function openTarget() {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.tagName === "DETAILS") {
      target.hidden = false;
      target.open = true;
    }
  }

  selects.forEach(function (s) { s.addEventListener("change", apply); });
  document.getElementById("expand-all").addEventListener("click", function () { openAll(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { openAll(false); });
  document.getElementById("reset").addEventListener("click", function () {
    selects.forEach(function (s) { s.value = ""; });
    apply();
  });
  // Closed <details> print as their summary only; a printed report should carry every transcript.
  window.addEventListener("beforeprint", function () {
    convs.forEach(function (conv) { conv.hidden = false; });
    openAll(true);
  });
  window.addEventListener("hashchange", openTarget);
  filters.hidden = false;
  apply();
  openTarget();
})();

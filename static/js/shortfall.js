// The report form opens a KPI's shortfall fields (reason and remedy) as soon as the value typed
// falls short of the expected value at the period end, as the server's rule does
// (reporting/shortfalls.py): the actual is the value, plus what was approved before it for a
// KPI reported as period amounts, compared in the KPI's direction. Only plain numbers are read
// here ("1,200.5"); anything else waits for the server, which asks after saving.
(function () {
  "use strict";
  function plain(text) {
    var cleaned = String(text || "").replace(/[,\s]/g, "");
    return /^-?\d+(\.\d+)?$/.test(cleaned) ? parseFloat(cleaned) : null;
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-expected")) {
      return;
    }
    var value = plain(input.value);
    var expected = parseFloat(input.getAttribute("data-expected"));
    var details = document.getElementById(input.getAttribute("data-shortfall-for"));
    if (value === null || isNaN(expected) || !details) {
      return;
    }
    var actual = value + (parseFloat(input.getAttribute("data-add")) || 0);
    var short = input.getAttribute("data-direction") === "decrease" ? actual > expected : actual < expected;
    if (short) {
      details.open = true;
    }
  });
})();

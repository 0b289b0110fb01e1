// A <select data-autosubmit> submits its form when changed (no inline handler: the
// Content-Security-Policy allows scripts from our static files only). Without JavaScript the
// form's own button does it.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
})();

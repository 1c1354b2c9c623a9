/* The printed folio's "Print" button (data-print): no inline handler, the
 * Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-print]")) window.print();
  });
})();

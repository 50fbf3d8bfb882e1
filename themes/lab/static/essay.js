// Enhancement only: everything is readable without this script.
// Shows a citation's reference entry in a popover on hover or focus.
(function () {
  "use strict";
  document.querySelectorAll(".citation a[href^='#ref-']").forEach(function (link) {
    var entry = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!entry || link.title) return;
    var text = entry.querySelector(".csl-entry, .csl-right-inline") || entry;
    link.title = text.textContent.trim();
  });
})();

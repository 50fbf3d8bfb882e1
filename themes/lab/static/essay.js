// Enhancement only: everything is readable without this script.
// The citation popovers (.citation-tip) open on hover and focus with CSS alone;
// this keeps an open one inside the window and lets Escape dismiss it
// (WCAG 1.4.13: content on hover or focus is dismissible).
(function () {
  "use strict";
  var MARGIN = 8;

  function place(ref) {
    var tip = ref.querySelector(".citation-tip");
    if (!tip) return;
    tip.style.removeProperty("--tip-shift");
    var box = tip.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(tip).position === "fixed") return;
    var width = document.documentElement.clientWidth;
    var shift = 0;
    if (box.right > width - MARGIN) shift = width - MARGIN - box.right;
    if (box.left + shift < MARGIN) shift = MARGIN - box.left;
    if (shift) tip.style.setProperty("--tip-shift", shift + "px");
  }

  function open(event) {
    var ref = event.target.closest && event.target.closest(".citation-ref");
    if (ref) place(ref);
  }

  function leave(event) {
    var ref = event.target.closest && event.target.closest(".citation-ref");
    if (ref && !ref.contains(event.relatedTarget)) ref.classList.remove("tip-dismissed");
  }

  document.addEventListener("mouseover", open);
  document.addEventListener("focusin", open);
  document.addEventListener("mouseout", leave);
  document.addEventListener("focusout", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".citation-ref:hover, .citation-ref:focus-within").forEach(function (ref) {
      ref.classList.add("tip-dismissed");
    });
  });
})();

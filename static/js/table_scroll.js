// A table wider than its box scrolls inside <div class="table-scroll">, and long code inside its
// <pre>. A keyboard user can scroll such a box only if it takes focus, and a screen reader should
// hear what it is, so a box that overflows becomes a focusable, named region; one that fits
// stays plain (no needless tab stop).
(function () {
  "use strict";

  var SCROLLERS = ".table-scroll, pre";

  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    // Otherwise the nearest heading before the box, in document order.
    for (var node = box; node && node !== document.body; node = node.parentElement) {
      for (var sibling = node.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
        var headings = /^H[1-6]$/.test(sibling.tagName)
          ? [sibling]
          : sibling.querySelectorAll("h1, h2, h3, h4, h5, h6");
        var heading = headings[headings.length - 1];
        if (heading && heading.textContent.trim()) return heading.textContent.trim();
      }
    }
    return box.tagName === "PRE" ? "Text" : "Table";
  }

  function scrolls(box) {
    var style = window.getComputedStyle(box);
    return /auto|scroll/.test(style.overflowX + " " + style.overflowY);
  }

  function update(box) {
    var overflows =
      scrolls(box) &&
      (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1);
    if (overflows && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", nameOf(box) + " (scrolls)");
      box.setAttribute("data-scroll-region", "");
    } else if (!overflows && box.hasAttribute("data-scroll-region")) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      box.removeAttribute("data-scroll-region");
    }
  }

  // A table a template did not wrap gets its box here, so it too scrolls in place.
  function wrapBareTables() {
    var tables = document.querySelectorAll("table.table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      if (table.parentElement.classList.contains("table-scroll")) continue;
      var box = document.createElement("div");
      box.className = "table-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    }
  }

  function init() {
    wrapBareTables();
    var boxes = Array.prototype.slice.call(document.querySelectorAll(SCROLLERS));
    boxes.forEach(update);
    if (window.ResizeObserver) {
      // Called after layout and before paint whenever a box changes size, so a phone turned
      // sideways or a window narrowed never leaves a box in the wrong state.
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { update(entry.target); });
      });
      boxes.forEach(function (box) { observer.observe(box); });
    } else {
      window.addEventListener("resize", function () { boxes.forEach(update); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// The main menu on narrow screens. Loaded in <head> without defer: it marks the page as
// scripted before the first paint (app.css hides the menu behind the "Menu" button only then),
// so a phone without JavaScript still sees every link, and one with it never sees them flash.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var NARROW = "(max-width: 59.99em)"; // app.css uses the same breakpoint

  function setOpen(header, button, open) {
    header.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function init() {
    var header = document.querySelector(".topbar");
    var button = header && header.querySelector(".menu-toggle");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;

    button.addEventListener("click", function () {
      setOpen(header, button, button.getAttribute("aria-expanded") !== "true");
    });

    // Escape closes the open menu and gives focus back to its button.
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        setOpen(header, button, false);
        button.focus();
      }
    });

    // Going back to a wide window leaves no stale "open" state behind.
    if (window.matchMedia) {
      var narrow = window.matchMedia(NARROW);
      var reset = function () {
        if (!narrow.matches) setOpen(header, button, false);
      };
      if (narrow.addEventListener) narrow.addEventListener("change", reset);
      else if (narrow.addListener) narrow.addListener(reset);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

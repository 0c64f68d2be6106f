// Confirmation before a signature or a step that cannot be undone.
// A form with data-confirm="What the person attests or does" opens a modal <dialog> that states
// it, with the pressed button's label to go on and "Cancel" to stay. Without JavaScript the
// form submits as before; the server still refuses what the person may not do.
(function () {
  "use strict";

  function buildDialog() {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-text");
    dialog.innerHTML =
      '<form method="dialog">' +
      '<h2 id="confirm-dialog-title">Please confirm</h2>' +
      '<p id="confirm-dialog-text"></p>' +
      '<div class="actions">' +
      '<button type="submit" value="confirm" class="button" data-confirm-go></button>' +
      '<button type="submit" value="cancel" class="button button-secondary">Cancel</button>' +
      "</div></form>";
    document.body.appendChild(dialog);
    return dialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (form.dataset.confirmed === "yes") return;
    // A form whose confirmation guards one button only (the quarterly report's "Issue", beside
    // "Save commentary"): a button marked data-skip-confirm submits at once.
    if (event.submitter && event.submitter.hasAttribute("data-skip-confirm")) return;
    event.preventDefault();
    var submitter = event.submitter || form.querySelector("[type=submit]");
    var dialog = document.querySelector("dialog.confirm-dialog") || buildDialog();
    dialog.querySelector("#confirm-dialog-title").textContent =
      form.getAttribute("data-confirm-title") || "Please confirm";
    dialog.querySelector("#confirm-dialog-text").textContent = form.getAttribute("data-confirm");
    dialog.querySelector("[data-confirm-go]").textContent =
      (submitter && (submitter.textContent || submitter.value || "").trim()) || "Confirm";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "confirm") return;
      form.dataset.confirmed = "yes";
      // requestSubmit keeps the clicked button's name/value and runs validation again.
      if (form.requestSubmit) form.requestSubmit(submitter || undefined);
      else form.submit();
    };
    dialog.showModal();
  });
})();

// A little progressive enhancement; the form works the same without it.
(function () {
  "use strict";
  // After a submit, put the keyboard where the news is: the error summary, else the result.
  var target = document.getElementById("error-summary") || document.getElementById("result-title");
  if (target) { target.focus(); }
  // A link in the error summary puts the keyboard in the field itself, not just near it,
  // and shows the whole field: its label, hint and error message above the box too.
  document.querySelectorAll(".error-summary a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.hash.slice(1));
      if (!field) { return; }
      var input = field.matches("input, select, textarea") ? field : field.querySelector("input");
      if (!input) { return; }
      event.preventDefault();
      (field.closest(".field, fieldset") || field).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  });
  // Say that a build is under way, and keep a double press from building twice.
  var form = document.querySelector("form");
  if (!form) { return; }
  var status = document.getElementById("status");
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.getAttribute("aria-disabled") === "true") {
      event.preventDefault();
      return;
    }
    if (status) {
      status.textContent = !button || button.formTarget !== "_blank" ? "Checking the medicines…"
        : button.formAction.endsWith("/twin") ? "Building the web page; it opens in a new tab."
        : "Building the PDF; it opens in a new tab.";
    }
    if (!button) { return; }
    button.setAttribute("aria-disabled", "true");
    // The handout opens in another tab, so this page stays: let the button be used again.
    window.setTimeout(function () { button.removeAttribute("aria-disabled"); }, 1500);
  });
}());

// A little progressive enhancement; the form works the same without it.
(function () {
  "use strict";
  // After a submit, put the keyboard where the news is: the error summary, else the result.
  var target = document.getElementById("error-summary") || document.getElementById("result-title");
  if (target) { target.focus(); }
  // Say that a build is under way, and keep a double press from building twice.
  var form = document.querySelector("form");
  if (!form) { return; }
  var status = document.getElementById("status");
  var busy = false;
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (busy) { event.preventDefault(); return; }
    busy = true;
    if (button) { button.setAttribute("aria-disabled", "true"); }
    if (status) {
      status.textContent = button && button.formTarget === "_blank"
        ? "Building the PDF; it opens in a new tab." : "Checking the medicines…";
    }
    // A PDF opens in another tab, so this page stays: let it be used again.
    window.setTimeout(function () {
      busy = false;
      if (button) { button.removeAttribute("aria-disabled"); }
    }, 1500);
  });
}());

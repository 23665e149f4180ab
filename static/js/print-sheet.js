// The consent sheet's "Print" button. A script file rather than an onclick attribute: the
// Content-Security-Policy allows no inline code. The button stays hidden without JavaScript,
// where it could do nothing (the browser's own Print command still works).
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () { window.print(); });
    button.hidden = false;
  });
})();

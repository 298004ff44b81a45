/* The tracking-number scan screen (jpki.admin.tracking): a barcode scanner types the digits and Enter.
   Enter moves to the next field instead of submitting; each number is checked as it is entered
   (11 to 13 digits, Japan Post's check digit: the leading digits modulo 7, duplicates on the page).
   The server checks everything again: this only spares the clerk a round trip. No inline script.
   A wrong check digit is told in the server's own words (the form's data-msg-check), so that the
   scan screen, the 差出を記録 form and the correction say the same thing. */
(function () {
  "use strict";
  var MSG_FORMAT = "11〜13桁の数字ではありません。";
  var MSG_CHECK = "末尾の数字（チェックデジット）が合いません。読み取り直してください。";
  var MSG_DUP = "同じ番号が別の欄にも入力されています。";

  function digitsOf(value) {
    return value.normalize("NFKC").replace(/[\s\-‐‑‒–—―ー−]/g, "");
  }

  function problem(value, input, inputs) {
    var digits = digitsOf(value);
    if (!digits) { return ""; }
    if (!/^[0-9]{11,13}$/.test(digits)) { return MSG_FORMAT; }
    var body = digits.slice(0, -1), rest = 0;
    for (var i = 0; i < body.length; i++) { rest = (rest * 10 + Number(body[i])) % 7; }
    if (rest !== Number(digits[digits.length - 1])) { return MSG_CHECK; }
    for (var j = 0; j < inputs.length; j++) {
      if (inputs[j] !== input && digitsOf(inputs[j].value) === digits) { return MSG_DUP; }
    }
    return "";
  }

  function mark(input, inputs) {
    var status = input.parentNode.querySelector(".scan-status");
    var message = problem(input.value, input, inputs);
    input.setAttribute("aria-invalid", message ? "true" : "false");
    input.parentNode.parentNode.classList.toggle("errors", Boolean(message));
    if (status) {
      status.textContent = message ? " " + message : (input.value ? " OK" : "");
      status.className = message ? "scan-status errornote" : "scan-status";
    }
    return !message;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("tracking-scan-form");
    if (!form) { return; }
    if (form.dataset.msgCheck) { MSG_CHECK = form.dataset.msgCheck; }
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input[data-scan]"));
    var submit = document.getElementById("tracking-submit");
    inputs.forEach(function (input, index) {
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        event.preventDefault();
        if (!mark(input, inputs)) { input.select(); return; }
        var next = inputs[index + 1];
        if (next) { next.focus(); next.select(); } else if (submit) { submit.focus(); }
      });
      input.addEventListener("change", function () { mark(input, inputs); });
    });
    var firstEmpty = inputs.filter(function (i) { return !i.value; })[0] || inputs[0];
    if (firstEmpty) { firstEmpty.focus(); }
  });
})();

// The letter page: the Print button opens the browser's print dialog (save as PDF there).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-letter");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});

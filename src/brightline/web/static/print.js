// Print buttons (the pages work without this file: the browser's own Print does the same).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

// Drag a scheduled post to another day of the calendar: the post's own Move form is filled in
// with that day (same time of day) and sent, so the move goes through the same page, checks
// and messages as the keyboard's Move form. Without this script the Move forms still work.
(function () {
  "use strict";
  let dragged = null;

  document.querySelectorAll("[data-move-post]").forEach((item) => {
    item.addEventListener("dragstart", (event) => {
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.movePost);
    });
    item.addEventListener("dragend", () => {
      item.classList.remove("dragging");
      dragged = null;
      document.querySelectorAll(".drop-target").forEach((cell) => cell.classList.remove("drop-target"));
    });
  });

  document.querySelectorAll("[data-drop-day]").forEach((cell) => {
    cell.addEventListener("dragover", (event) => {
      if (!dragged) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      cell.classList.add("drop-target");
    });
    cell.addEventListener("dragleave", () => cell.classList.remove("drop-target"));
    cell.addEventListener("drop", (event) => {
      event.preventDefault();
      cell.classList.remove("drop-target");
      const id = event.dataTransfer.getData("text/plain") || (dragged && dragged.dataset.movePost);
      const item = document.querySelector('[data-move-post="' + id + '"]');
      const form = document.querySelector('[data-move-form="' + id + '"]');
      if (!item || !form || item.closest("[data-drop-day]") === cell) {
        return;
      }
      form.querySelector("input[name=scheduled_at]").value = cell.dataset.date + "T" + item.dataset.time;
      form.requestSubmit();
    });
  });
})();

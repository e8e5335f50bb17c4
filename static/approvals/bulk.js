// Bulk selection on the review queue and post lists: "Select all" ticks every row's checkbox,
// and a count says how many are chosen. Without this script each row is ticked by hand.
(function () {
  "use strict";
  const all = document.querySelector("[data-select-all]");
  const count = document.querySelector("[data-selected-count]");
  const items = Array.from(document.querySelectorAll("[data-bulk-item]"));
  if (!all || items.length === 0) {
    return;
  }
  function update() {
    const chosen = items.filter((item) => item.checked).length;
    all.checked = chosen === items.length;
    all.indeterminate = chosen > 0 && chosen < items.length;
    if (count) {
      count.textContent = chosen === 1 ? "1 post selected" : chosen + " posts selected";
    }
  }
  all.addEventListener("change", () => {
    items.forEach((item) => {
      item.checked = all.checked;
    });
    update();
  });
  items.forEach((item) => item.addEventListener("change", update));
  update();
})();

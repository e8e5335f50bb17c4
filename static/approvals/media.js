/* The compose page's images: previews, drag and drop, reordering and removal, on top of a form
   that works without this script (file input, position fields, remove boxes).

   New files live in one list; the file input is refilled from it (DataTransfer) in the order
   the page shows, each with its own alt text field (new_alt). On submit the hidden image_order
   field tells the server the order shown: "keep:<checksum>" for images already on the post,
   "new:<n>" for the n-th file sent. The server checks everything again. */
(function () {
  "use strict";

  var ACCEPTED = ["image/jpeg", "image/png", "image/gif", "image/webp"];

  function init() {
    var editor = document.querySelector("[data-media-editor]");
    if (!editor || typeof DataTransfer === "undefined") {
      return;
    }
    var list = editor.querySelector("[data-media-items]");
    var input = editor.querySelector("input[type=file]");
    var orderField = editor.querySelector("[data-image-order]");
    var dropzone = editor.querySelector("[data-dropzone]");
    var error = editor.querySelector("[data-media-error]");
    var maxImages = parseInt(editor.getAttribute("data-max-images"), 10) || 0;
    var maxBytes = parseInt(editor.getAttribute("data-max-bytes"), 10) || 0;
    var maxAlt = parseInt(editor.getAttribute("data-max-alt"), 10) || 0;
    var files = new Map(); // list item -> File, for new images
    var counter = 0;
    var dragged = null;

    editor.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
    // The position fields and remove boxes are the no-script way; the buttons replace them.
    editor.querySelectorAll("[data-no-js]").forEach(function (el) { el.remove(); });
    list.querySelectorAll(".media-item").forEach(decorate);

    var refused = []; // why the files just dropped or picked were not taken, said after changed()

    // The message element is a live region that stays in the page (an element that appears
    // already filled is often not read out), so only its text changes.
    function say(message) {
      error.textContent = message;
      error.classList.toggle("empty", !message);
    }

    function megabytes(bytes) {
      return (bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 1 : 0).replace(/\.0$/, "") + " MB";
    }

    function changed() {
      var items = Array.prototype.slice.call(list.querySelectorAll(".media-item"));
      var transfer = new DataTransfer();
      var tokens = [];
      items.forEach(function (item, index) {
        var number = item.querySelector("[data-number]");
        if (number) { number.textContent = String(index + 1); }
        if (item.getAttribute("data-kind") === "keep") {
          tokens.push("keep:" + item.getAttribute("data-checksum"));
        } else {
          tokens.push("new:" + transfer.items.length);
          transfer.items.add(files.get(item));
        }
        var up = item.querySelector("[data-move=up]");
        var down = item.querySelector("[data-move=down]");
        if (up) { up.disabled = index === 0; }
        if (down) { down.disabled = index === items.length - 1; }
        // Buttons name their image by its current place, for screen readers and voice control.
        item.querySelectorAll(".media-buttons button").forEach(function (b) {
          b.setAttribute("aria-label", b.textContent + " image " + (index + 1));
        });
      });
      input.files = transfer.files;
      orderField.value = tokens.join(",");
      var problems = refused.slice();
      if (maxImages && items.length > maxImages) {
        problems.push(items.length + " images: this platform takes at most " + maxImages + ".");
      }
      say(problems.join(" "));
      document.body.dispatchEvent(new Event("images-changed"));
    }

    function button(label, name, handler) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = label;
      if (name) { b.setAttribute("data-move", name); }
      b.addEventListener("click", handler);
      return b;
    }

    function decorate(item) {
      item.draggable = true;
      var fields = item.querySelector(".media-fields");
      var buttons = document.createElement("div");
      buttons.className = "media-buttons";
      buttons.appendChild(button("Move up", "up", function () {
        if (item.previousElementSibling) { list.insertBefore(item, item.previousElementSibling); }
        changed();
        item.querySelector("[data-move=up]").focus();
      }));
      buttons.appendChild(button("Move down", "down", function () {
        if (item.nextElementSibling) { list.insertBefore(item.nextElementSibling, item); }
        changed();
        item.querySelector("[data-move=down]").focus();
      }));
      var remove = button("Remove", "", function () {
        files.delete(item);
        var url = item.getAttribute("data-object-url");
        if (url) { URL.revokeObjectURL(url); }
        item.remove();
        changed();
        input.focus();
      });
      remove.className = "danger";
      buttons.appendChild(remove);
      fields.appendChild(buttons);
      var alt = item.querySelector("[data-alt]");
      alt.addEventListener("input", function () {
        document.body.dispatchEvent(new Event("images-changed"));
      });
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", "image");
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("dragging");
        dragged = null;
        list.querySelectorAll(".drop-before").forEach(function (el) {
          el.classList.remove("drop-before");
        });
      });
      item.addEventListener("dragover", function (event) {
        if (dragged && dragged !== item) {
          event.preventDefault();
          item.classList.add("drop-before");
        }
      });
      item.addEventListener("dragleave", function () { item.classList.remove("drop-before"); });
      item.addEventListener("drop", function (event) {
        if (dragged && dragged !== item) {
          event.preventDefault();
          event.stopPropagation();
          item.classList.remove("drop-before");
          list.insertBefore(dragged, item);
          changed();
        }
      });
    }

    function add(file) {
      if (ACCEPTED.indexOf(file.type) === -1) {
        refused.push(file.name + " was not added: it is not an image (choose a JPEG, PNG, GIF or WebP file).");
        return;
      }
      if (maxBytes && file.size > maxBytes) {
        refused.push(file.name + " was not added: it is " + megabytes(file.size) +
          ", and this platform takes images of at most " + megabytes(maxBytes) + ".");
        return;
      }
      counter += 1;
      var id = "new-alt-" + counter;
      var item = document.createElement("li");
      item.className = "media-item";
      item.setAttribute("data-kind", "new");
      var preview = document.createElement("img");
      preview.className = "media-preview";
      preview.alt = "";
      var url = URL.createObjectURL(file);
      item.setAttribute("data-object-url", url);
      preview.src = url;
      var fields = document.createElement("div");
      fields.className = "media-fields";
      var label = document.createElement("label");
      label.htmlFor = id;
      label.innerHTML = "Alt text for image <span data-number></span> <span class=\"muted\"></span>";
      label.querySelector(".muted").textContent = "(" + file.name + ")";
      var alt = document.createElement("textarea");
      alt.id = id;
      alt.name = "new_alt";
      alt.rows = 2;
      alt.setAttribute("data-alt", "");
      if (maxAlt) { alt.maxLength = maxAlt; }
      fields.appendChild(label);
      fields.appendChild(alt);
      item.appendChild(preview);
      item.appendChild(fields);
      files.set(item, file);
      list.appendChild(item);
      decorate(item);
    }

    function addAll(fileList) {
      refused = [];
      Array.prototype.forEach.call(fileList, add);
      changed();
    }

    // Files picked with the input are taken into the list; the input is then refilled from it.
    input.addEventListener("change", function () {
      var picked = Array.prototype.slice.call(input.files);
      var known = new Set(files.values());
      addAll(picked.filter(function (file) { return !known.has(file); }));
    });
    dropzone.addEventListener("dragover", function (event) {
      if (!dragged) {
        event.preventDefault();
        dropzone.classList.add("over");
      }
    });
    dropzone.addEventListener("dragleave", function () { dropzone.classList.remove("over"); });
    dropzone.addEventListener("drop", function (event) {
      if (dragged) { return; }
      event.preventDefault();
      dropzone.classList.remove("over");
      addAll(event.dataTransfer.files);
    });
    editor.closest("form").addEventListener("submit", changed);
    changed();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

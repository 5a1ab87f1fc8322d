/* Courses, progressive enhancement only: every page works without this file.
 * - video: load the player only when asked (saves data on weak connections);
 * - print: a "Cetak" button on the print page;
 * - authoring: move modules and lessons without reloading the page;
 * - Markdown editor: a live character count against the size limit. */
(function () {
  "use strict";

  document.querySelectorAll("[data-video-src]").forEach(function (box) {
    var link = box.querySelector("a");
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var frame = document.createElement("iframe");
      frame.src = box.getAttribute("data-video-src") + "?autoplay=1";
      frame.title = box.getAttribute("data-video-title") || "Video";
      frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      frame.setAttribute("allowfullscreen", "");
      box.textContent = "";
      box.appendChild(frame);
      frame.focus();
    });
  });

  var printSlot = document.querySelector("[data-print-slot]");
  if (printSlot) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = printSlot.getAttribute("data-label") || "Cetak";
    button.addEventListener("click", function () { window.print(); });
    printSlot.appendChild(button);
  }

  document.querySelectorAll("form[data-move]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var item = form.closest("[data-sortable-item]");
      if (!item || !window.fetch) { return; }
      event.preventDefault();
      var up = form.querySelector("input[name=direction]").value === "up";
      var sibling = up ? item.previousElementSibling : item.nextElementSibling;
      if (!sibling) { return; }
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin"
      }).then(function (response) {
        if (response.status !== 204) { form.submit(); return; }
        if (up) { item.parentNode.insertBefore(item, sibling); }
        else { item.parentNode.insertBefore(sibling, item); }
        var again = item.querySelector("form[data-move] button");
        if (again) { again.focus(); }
      }).catch(function () { form.submit(); });
    });
  });

  document.querySelectorAll("textarea[data-maxlength]").forEach(function (area) {
    var max = parseInt(area.getAttribute("data-maxlength"), 10);
    var out = document.createElement("p");
    out.className = "hint";
    out.setAttribute("aria-live", "polite");
    area.parentNode.appendChild(out);
    function update() {
      out.textContent = area.value.length.toLocaleString("id-ID") + " / " + max.toLocaleString("id-ID") + " karakter";
      out.className = area.value.length > max ? "error" : "hint";
    }
    area.addEventListener("input", update);
    update();
  });
})();

// Client-side filters for list pages: hide rows whose data-* attributes do not match every chosen value.
(function () {
  "use strict";
  document.querySelectorAll("form.filters").forEach(function (form) {
    var table = document.getElementById(form.dataset.target);
    var selects = form.querySelectorAll("select[data-filter]");
    var output = form.querySelector("output.count");
    function apply() {
      var shown = 0;
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var ok = true;
        selects.forEach(function (select) {
          if (!select.value) return;
          var values = (row.dataset[select.dataset.filter] || "").split(" ");
          if (values.indexOf(select.value) < 0) ok = false;
        });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      output.textContent = shown;
    }
    selects.forEach(function (select) { select.addEventListener("change", apply); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  });
})();

// The moderation queue: a "select all" box for the bulk actions (progressive enhancement; the page works without).
(function () {
  "use strict";

  var master = document.querySelector("input[data-select-all]");
  if (!master) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("input[data-bulk-item]"));
  if (!items.length) { return; }

  function syncMaster() {
    var checked = items.filter(function (item) { return item.checked; }).length;
    master.checked = checked === items.length;
    master.indeterminate = checked > 0 && checked < items.length;
  }

  master.hidden = false;
  master.addEventListener("change", function () {
    items.forEach(function (item) { item.checked = master.checked; });
    master.indeterminate = false;
  });
  items.forEach(function (item) { item.addEventListener("change", syncMaster); });
  syncMaster();
})();

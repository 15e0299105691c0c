// Post forms: show the fields that apply to the current choice only (needs have a radius, "elsewhere" has a
// postcode, "fulfilled" has an exchanged quantity). Without JavaScript every field stays visible and the
// server ignores the ones that do not apply.
(function () {
  "use strict";

  function checkedValue(name) {
    var checked = document.querySelector('input[type="radio"][name="' + name + '"]:checked');
    return checked ? checked.value : null;
  }

  function update(block) {
    var rule = block.getAttribute("data-show-if").split("=");
    block.hidden = checkedValue(rule[0]) !== rule[1];
  }

  var blocks = document.querySelectorAll("[data-show-if]");
  blocks.forEach(function (block) {
    var name = block.getAttribute("data-show-if").split("=")[0];
    document.querySelectorAll('input[type="radio"][name="' + name + '"]').forEach(function (radio) {
      radio.addEventListener("change", function () { update(block); });
    });
    update(block);
  });
})();

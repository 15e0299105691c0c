// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";

  // Suggest the communes of a postcode in the city field of address forms.
  function suggestCommunes(postcodeInput) {
    var list = document.getElementById("communes-list");
    var base = postcodeInput.getAttribute("data-communes-url");
    if (!list || !base) { return; }
    var code = postcodeInput.value.replace(/\s+/g, "");
    if (!/^\d[\dAB]\d{3}$/.test(code)) { return; }
    fetch(base + encodeURIComponent(code), { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { communes: [] }; })
      .then(function (data) {
        list.replaceChildren();
        data.communes.forEach(function (commune) {
          var option = document.createElement("option");
          option.value = commune.name;
          list.appendChild(option);
        });
        var city = document.getElementById("city");
        if (city && !city.value && data.communes.length === 1) { city.value = data.communes[0].name; }
      })
      .catch(function () { /* suggestions are optional */ });
  }

  document.querySelectorAll("input[data-communes-url]").forEach(function (input) {
    input.addEventListener("change", function () { suggestCommunes(input); });
  });

  // Move focus to the error summary so keyboard and screen-reader users hear it first.
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();

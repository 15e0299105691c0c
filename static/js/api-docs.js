/* Starts Swagger UI on the API documentation page (/api/v1/docs): a file of its own, as the CSP allows no
   inline script. The OpenAPI document's URL is in the container's data-spec-url attribute. */
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  if (!container || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: container.getAttribute("data-spec-url"),
    domNode: container,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
    plugins: [window.SwaggerUIBundle.plugins.DownloadUrl],
    layout: "BaseLayout",
    validatorUrl: null,
    persistAuthorization: false
  });
}());

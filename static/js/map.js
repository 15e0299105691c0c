// Maps of the marketplace (posts, open businesses...): every element with [data-map] becomes a Leaflet map.
// Everything comes from data attributes (no inline script, strict CSP):
//   data-features-url   GeoJSON FeatureCollection of points; "bbox=west,south,east,north" is added on each move
//   data-outlines-url   GeoJSON of the départements, drawn first: the map stays usable without tiles
//   data-tile-url, data-tile-attribution   background tiles (optional)
//   data-focus          a département code to zoom to (its outline's bounds)
//   data-message-*      texts shown in the [data-map-status] element that follows the map
// Feature properties used: title, url, lines (array of texts), marker (CSS modifier: map-marker--<marker>),
// symbol (one letter shown in the marker, so that colour is not the only cue).
(function () {
  "use strict";

  var FRANCE = [[41.3, -5.2], [51.1, 9.6]];
  var DEBOUNCE_MS = 300;

  if (typeof window.L === "undefined") {
    return; // Leaflet did not load: the page keeps its list
  }
  var L = window.L;

  function statusElement(container) {
    var next = container.nextElementSibling;
    return next && next.hasAttribute("data-map-status") ? next : null;
  }

  function Status(container) {
    this.element = statusElement(container);
    this.container = container;
    this.messages = {};
  }

  Status.prototype.set = function (key, on) {
    if (on) {
      this.messages[key] = this.container.getAttribute("data-message-" + key) || "";
    } else {
      delete this.messages[key];
    }
    if (!this.element) {
      return;
    }
    var texts = Object.keys(this.messages).map(function (k) { return this.messages[k]; }, this);
    this.element.textContent = texts.join(" ");
    this.element.classList.toggle("text-danger", Boolean(this.messages.error));
  };

  function markerIcon(properties) {
    var kind = String(properties.marker || "default").replace(/[^a-z0-9_-]/gi, "");
    var symbol = document.createElement("span");
    symbol.textContent = String(properties.symbol || "").slice(0, 2);
    return L.divIcon({
      className: "map-marker map-marker--" + kind,
      html: symbol.outerHTML,
      iconSize: [26, 26],
      iconAnchor: [13, 13],
      popupAnchor: [0, -13]
    });
  }

  function popupContent(properties, openLabel) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("p");
    title.className = "map-popup-title";
    title.textContent = properties.title || "";
    box.appendChild(title);
    (properties.lines || []).forEach(function (text) {
      if (text) {
        var line = document.createElement("p");
        line.className = "map-popup-line";
        line.textContent = text;
        box.appendChild(line);
      }
    });
    if (properties.url) {
      var link = document.createElement("a");
      link.href = properties.url;
      link.textContent = openLabel;
      link.className = "map-popup-link";
      box.appendChild(link);
    }
    return box;
  }

  function withBbox(url, bounds) {
    var target = new URL(url, window.location.href);
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map(function (value, index) {
      var limit = index % 2 === 0 ? 180 : 90; // Leaflet's bounds may pass the world's edges when zoomed out
      return Math.max(-limit, Math.min(limit, value)).toFixed(5);
    });
    target.searchParams.set("bbox", bbox.join(","));
    return target.toString();
  }

  function init(container) {
    var status = new Status(container);
    var fallback = container.querySelector(".marketplace-map-fallback");
    if (fallback) {
      fallback.remove();
    }
    var map = L.map(container, { zoomSnap: 0.5, minZoom: 3 });
    map.fitBounds(FRANCE);

    var tileUrl = container.getAttribute("data-tile-url");
    if (tileUrl) {
      var tiles = L.tileLayer(tileUrl, {
        maxZoom: 18,
        attribution: container.getAttribute("data-tile-attribution") || "",
        crossOrigin: false
      });
      tiles.on("tileerror", function () { status.set("tiles", true); });
      tiles.on("tileload", function () { status.set("tiles", false); });
      tiles.addTo(map);
    }

    var outlinesUrl = container.getAttribute("data-outlines-url");
    var focus = container.getAttribute("data-focus");
    if (outlinesUrl) {
      map.createPane("outlines").style.zIndex = 350; // under the markers, over the tiles
      fetch(outlinesUrl, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          var layer = L.geoJSON(data, {
            pane: "outlines",
            interactive: false,
            style: function () { return { className: "map-outline", color: "#5a6b85", weight: 1, fillOpacity: 0.04 }; }
          }).addTo(map);
          if (focus) {
            layer.eachLayer(function (item) {
              if (item.feature && item.feature.properties.code === focus) {
                map.fitBounds(item.getBounds());
              }
            });
          }
        })
        .catch(function () { status.set("error", true); });
    }

    var featuresUrl = container.getAttribute("data-features-url");
    if (!featuresUrl) {
      return map;
    }
    var openLabel = container.getAttribute("data-message-open") || "Open";
    var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    clusters.addTo(map);
    var controller = null;
    var timer = null;

    function load() {
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      status.set("loading", true);
      fetch(withBbox(featuresUrl, map.getBounds()), {
        credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" },
        signal: controller.signal
      })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          var markers = (data.features || []).map(function (feature) {
            var coordinates = feature.geometry.coordinates;
            var properties = feature.properties || {};
            return L.marker([coordinates[1], coordinates[0]], {
              icon: markerIcon(properties),
              title: properties.title || "",
              alt: properties.title || ""
            }).bindPopup(popupContent(properties, openLabel));
          });
          clusters.clearLayers();
          clusters.addLayers(markers);
          container.setAttribute("data-features-count", String(markers.length));
          status.set("loading", false);
          status.set("error", false);
          status.set("truncated", Boolean(data.truncated));
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") {
            return;
          }
          status.set("loading", false);
          status.set("error", true);
        });
    }

    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, DEBOUNCE_MS);
    });
    load();
    return map;
  }

  document.querySelectorAll("[data-map]").forEach(function (container) {
    container.marketplaceMap = init(container);
  });
})();

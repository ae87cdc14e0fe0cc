// Colour a process diagram by how many instances wait at each element now,
// and label each element with that count and its median time in days.
(function () {
  var box = document.getElementById("heatmap");
  if (!box || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  var heat = JSON.parse(box.dataset.heat || "{}");
  var most = Math.max.apply(null, [1].concat(Object.keys(heat).map(function (id) {
    return heat[id].waiting;
  })));

  function level(waiting) {
    // Four steps from "a few" to "the most of any element".
    return waiting ? Math.min(4, Math.ceil((4 * waiting) / most)) : 0;
  }

  function label(facts) {
    var parts = [];
    if (facts.waiting) { parts.push(facts.waiting + " " + box.dataset.waitingLabel); }
    if (facts.median_seconds !== null && facts.median_seconds !== undefined) {
      var days = facts.median_seconds / 86400;
      parts.push(box.dataset.medianLabel + " " + days.toFixed(1) + " d");
    }
    return parts.join(" · ");
  }

  fetch(box.dataset.url, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var overlays = viewer.get("overlays");
      canvas.zoom("fit-viewport");
      Object.keys(heat).forEach(function (id) {
        if (!registry.get(id)) { return; }
        var facts = heat[id];
        var step = level(facts.waiting);
        if (step) { canvas.addMarker(id, "heat-" + step); }
        var text = label(facts);
        if (!text) { return; }
        var badge = document.createElement("span");
        badge.className = "heat-badge";
        badge.dataset.element = id;
        badge.textContent = text;
        overlays.add(id, { position: { bottom: -4, left: 0 }, html: badge });
      });
      box.dataset.ready = "true";
    })
    .catch(function (error) { box.textContent = error.message; });
})();

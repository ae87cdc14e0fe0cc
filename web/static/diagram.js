// Show the agreement's BPMN diagram and mark where it stands.
(function () {
  var box = document.getElementById("diagram");
  if (!box || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  var current = JSON.parse(box.dataset.current || "[]");
  var completed = JSON.parse(box.dataset.completed || "[]");
  fetch(box.dataset.url, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      completed.forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "step-done"); }
      });
      current.forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, "step-current"); }
      });
      // A whole lifecycle fitted into the box is too small to read: show
      // the current step at a readable size instead; the rest pans into view.
      var focus = current.map(function (id) { return registry.get(id); })
        .filter(Boolean)[0];
      if (focus && canvas.zoom() < 0.7) {
        canvas.zoom(0.7);
        canvas.scrollToElement(focus);
      }
      box.dataset.ready = "true";
    })
    .catch(function (error) { box.textContent = error.message; });
})();

// The studio's shared page code: JSON requests that carry the CSRF token,
// and read-only diagrams (EkViewer) for every .studio-diagram on the page.
(function () {
  var studio = window.studio = window.studio || {};

  function token() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  // POST `body` as JSON; resolves to {ok, status, data}.
  studio.postJSON = function (url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": token()
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  };

  studio.getText = function (url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(response.status + " " + url); }
      return response.text();
    });
  };

  function readJSON(box, name) {
    var text = box.dataset[name];
    return text ? JSON.parse(text) : null;
  }

  // Marks for a diff: {"added": [ids], ...} -> {id: "added", ...}.
  function changeKinds(markers) {
    var kinds = {};
    Object.keys(markers || {}).forEach(function (kind) {
      markers[kind].forEach(function (id) { kinds[id] = kind; });
    });
    return kinds;
  }

  studio.viewers = {};
  studio.showDiagram = function (box) {
    return studio.getText(box.dataset.url)
      .then(function (xml) { return window.EkViewer.create(box, { xml: xml }); })
      .then(function (viewer) {
        var nodes = readJSON(box, "nodes");
        var flows = readJSON(box, "flows");
        if (nodes || flows) { viewer.highlightPath(nodes || [], flows || []); }
        var counts = readJSON(box, "counts");
        if (counts) { viewer.markers(counts); }
        var markers = readJSON(box, "markers");
        if (markers) { viewer.markers(changeKinds(markers)); }
        studio.viewers[box.id] = viewer;
        box.dataset.ready = "true";
        return viewer;
      })
      .catch(function (error) {
        box.textContent = error.message;
        box.dataset.ready = "error";
      });
  };

  if (window.EkViewer) {
    Array.prototype.forEach.call(
      document.querySelectorAll(".studio-diagram[data-url]"), studio.showDiagram
    );
  }
})();

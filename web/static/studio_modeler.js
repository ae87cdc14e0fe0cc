// The modeler page: load the draft, lint on the server while drawing, save.
(function () {
  var studio = window.studio;
  var canvas = document.getElementById("canvas");
  if (!canvas || !window.EkModeler) { return; }
  var list = document.getElementById("problems");
  var state = document.getElementById("save-state");
  var dirty = false;

  function say(text) { state.textContent = text; }

  function showList(problems) {
    list.innerHTML = "";
    if (!problems.length) {
      var none = document.createElement("li");
      none.className = "problem none";
      none.textContent = list.dataset.none || "";
      list.appendChild(none);
    }
    problems.slice().sort(function (a, b) {
      return a.severity.localeCompare(b.severity);
    }).forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "problem " + problem.severity;
      item.dataset.element = problem.element || "";
      var label = document.createElement("strong");
      label.textContent = problem.severity === "error" ? list.dataset.error : list.dataset.warning;
      item.appendChild(label);
      if (problem.element) {
        var code = document.createElement("code");
        code.textContent = problem.element;
        item.appendChild(document.createTextNode(" "));
        item.appendChild(code);
      }
      item.appendChild(document.createTextNode(" " + problem.message));
      list.appendChild(item);
    });
    list.dataset.count = String(problems.length);
  }

  function serverLint(xml) {
    return studio.postJSON(canvas.dataset.lintUrl, { xml: xml }).then(function (answer) {
      var problems = answer.ok ? answer.data.problems : [{
        element: "", severity: "error",
        message: answer.data.errors && answer.data.errors.xml ? answer.data.errors.xml[0] : answer.data.error
      }];
      showList(problems);
      return problems;
    });
  }

  function save() {
    say(state.dataset.saving);
    return studio.modeler.saveXML()
      .then(function (xml) { return studio.postJSON(canvas.dataset.saveUrl, { xml: xml }); })
      .then(function (answer) {
        if (!answer.ok) {
          var errors = answer.data.errors || {};
          say((errors.xml && errors.xml[0]) || answer.data.error);
          throw new Error(answer.data.error);
        }
        dirty = false;
        document.getElementById("draft-state").textContent = "";
        showList(answer.data.problems);
        studio.modeler.showProblems(answer.data.problems);
        say(state.dataset.saved);
        return answer.data;
      });
  }

  var options = JSON.parse(canvas.dataset.options);
  studio.getText(canvas.dataset.xmlUrl)
    .then(function (xml) {
      return window.EkModeler.create(canvas, {
        xml: xml,
        propertiesElement: document.getElementById("properties"),
        lintConfig: options.lint_config || undefined,
        roles: options.roles,
        forms: options.forms,
        operators: options.operators,
        processes: options.processes,
        serverLint: serverLint
      });
    })
    .then(function (handle) {
      studio.modeler = handle;
      handle.on("changed", function () { dirty = true; say(state.dataset.unsaved); });
      canvas.dataset.ready = "true";
    })
    .catch(function (error) {
      say(error.message);
      canvas.dataset.ready = "error";
    });

  studio.save = save;
  document.getElementById("save").addEventListener("click", function () {
    save().catch(function () {});
  });
  document.getElementById("simulate").addEventListener("click", function () {
    studio.modeler.toggleSimulation();
  });
  // Deploy what is on the canvas: save unsaved edits first.
  document.getElementById("deploy-form").addEventListener("submit", function (event) {
    if (!dirty) { return; }
    event.preventDefault();
    var form = event.target;
    save().then(function () { form.submit(); }).catch(function () {});
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); }
  });
})();

// The form editor page: form-js editor, live preview with example data, and
// the definition as JSON; saving posts the edited definition.
(function () {
  var box = document.getElementById("form-editor");
  if (!box || !window.EkFormEditor) { return; }
  var studio = window.studio;
  var schema = JSON.parse(document.getElementById("form-schema").textContent);
  var example = document.getElementById("example-data");
  var exampleError = document.getElementById("example-error");
  var json = document.getElementById("schema-json");

  function exampleData() {
    try {
      var data = JSON.parse(example.value || "{}");
      var ok = data && typeof data === "object" && !Array.isArray(data);
      exampleError.hidden = ok;
      return ok ? data : null;
    } catch (error) {
      exampleError.hidden = false;
      return null;
    }
  }

  function showJSON(handle) {
    json.value = JSON.stringify(handle.getSchema(), null, 2);
  }

  window.EkFormEditor.create(box, {
    schema: schema,
    previewElement: document.getElementById("form-preview"),
    data: exampleData() || {}
  }).then(function (handle) {
    studio.formEditor = handle;
    showJSON(handle);
    handle.on("changed", showJSON);
    box.dataset.ready = "true";
  });

  example.addEventListener("input", function () {
    var data = exampleData();
    if (data && studio.formEditor) { studio.formEditor.setData(data); }
  });
  document.getElementById("load-json").addEventListener("click", function () {
    var parsed;
    try {
      parsed = JSON.parse(json.value);
    } catch (error) {
      window.alert(error.message);
      return;
    }
    studio.formEditor.importSchema(parsed);
  });
  document.getElementById("form-save").addEventListener("submit", function () {
    document.getElementById("schema-field").value =
      JSON.stringify(studio.formEditor.getSchema());
  });
})();

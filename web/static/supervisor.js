// The supervisor console: select all rows, show only the fields the chosen
// repair action needs, and draw the stage-time chart's two series.
(function () {
  document.querySelectorAll(".select-all").forEach(function (box) {
    box.addEventListener("change", function () {
      box.form.querySelectorAll("input[name=items]").forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });

  document.querySelectorAll("form.repair-form").forEach(function (form) {
    function show() {
      var chosen = form.querySelector("input[name=action]:checked");
      var action = chosen ? chosen.value : "";
      form.querySelectorAll(".for-reassign").forEach(function (field) {
        field.hidden = action !== "reassign";
      });
      form.querySelectorAll(".for-move").forEach(function (field) {
        field.hidden = action !== "move";
      });
    }
    form.addEventListener("change", show);
    show();
  });

  if (!window.Chart) { return; }
  var colours = ["#0b6e4f", "#c8963e"];
  document.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
    var series = JSON.parse(canvas.dataset.series);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: JSON.parse(canvas.dataset.labels),
        datasets: series.map(function (one, i) {
          return { label: one.label, data: one.values, backgroundColor: colours[i] };
        })
      },
      options: { animation: false }
    });
  });
})();

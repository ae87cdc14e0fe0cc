// Draw each statistics table's numbers with Chart.js.
(function () {
  if (!window.Chart) { return; }
  var colours = ["#0b6e4f", "#c8963e", "#3c6e9f", "#a23b3b", "#6b5b95", "#5a8f29", "#888"];
  document.querySelectorAll("canvas[data-values]").forEach(function (canvas) {
    var type = canvas.dataset.type;
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: JSON.parse(canvas.dataset.labels),
        datasets: [{ data: JSON.parse(canvas.dataset.values), backgroundColor: colours }]
      },
      options: {
        animation: false,
        plugins: { legend: { display: type !== "bar" } },
        // Counts of agreements: whole numbers only on the value axis.
        scales: type === "bar" ? { y: { ticks: { precision: 0 } } } : {}
      }
    });
  });
})();

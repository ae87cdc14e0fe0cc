// The test-run page: show each step's path on the diagram, add answers for
// the open tasks, load a saved scenario into the inputs.
(function () {
  var studio = window.studio;
  var box = document.getElementById("viewer");
  var steps = document.getElementById("steps");
  var start = document.getElementById("start_data");

  function viewer() {
    return studio.viewers[box.id];
  }

  Array.prototype.forEach.call(document.querySelectorAll(".show-step"), function (button) {
    button.addEventListener("click", function () {
      var item = button.closest(".trial-step");
      if (!viewer()) { return; }
      viewer().highlightPath(JSON.parse(item.dataset.nodes), JSON.parse(item.dataset.flows));
      Array.prototype.forEach.call(document.querySelectorAll(".trial-step.shown"), function (other) {
        other.classList.remove("shown");
      });
      item.classList.add("shown");
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll(".add-step"), function (button) {
    button.addEventListener("click", function () {
      var list = JSON.parse(steps.value || "[]");
      list.push({ task: button.dataset.task, data: {} });
      steps.value = JSON.stringify(list, null, 2);
      steps.focus();
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll(".load-scenario"), function (button) {
    button.addEventListener("click", function () {
      start.value = JSON.stringify(JSON.parse(button.dataset.start), null, 2);
      steps.value = JSON.stringify(JSON.parse(button.dataset.steps), null, 2);
    });
  });
})();

// Marking elements on a bpmn-js canvas: problems from the server, the path
// a test run took, and per-element counts or change kinds on a viewer.
const PROBLEM_MARKERS = { error: "ek-problem-error", warning: "ek-problem-warning" };

/** Overlays and markers for problems the server reported. */
export class ProblemOverlays {
  constructor(diagram) {
    this.canvas = diagram.get("canvas");
    this.overlays = diagram.get("overlays");
    this.registry = diagram.get("elementRegistry");
    this.marked = [];
  }

  clear() {
    this.overlays.remove({ type: "ek-problem" });
    for (const [id, marker] of this.marked) {
      this.canvas.removeMarker(id, marker);
    }
    this.marked = [];
  }

  /**
   * Show `problems` ([{element, message, severity}]). A problem whose
   * element is not on the canvas (a file-level problem) goes on the root.
   * Returns the number of problems placed on a named element.
   */
  show(problems) {
    this.clear();
    const byElement = new Map();
    for (const problem of problems || []) {
      const element = problem.element && this.registry.get(problem.element);
      const target = element || this.canvas.getRootElement();
      if (!byElement.has(target)) {
        byElement.set(target, []);
      }
      byElement.get(target).push(problem);
    }
    let placed = 0;
    for (const [element, list] of byElement) {
      if (element === this.canvas.getRootElement()) {
        continue;
      }
      placed += list.length;
      const severity = list.some((p) => p.severity === "error") ? "error" : "warning";
      const marker = PROBLEM_MARKERS[severity];
      this.canvas.addMarker(element.id, marker);
      this.marked.push([element.id, marker]);
      this.overlays.add(element.id, "ek-problem", {
        position: { top: -12, right: 12 },
        html: problemBadge(list, severity),
      });
    }
    return placed;
  }
}

function problemBadge(problems, severity) {
  const badge = document.createElement("div");
  badge.className = `ek-problem-badge ek-problem-badge-${severity}`;
  badge.textContent = String(problems.length);
  badge.title = problems.map((problem) => problem.message).join("\n");
  badge.dataset.problems = JSON.stringify(problems.map((p) => p.message));
  return badge;
}

/** Mark the flow nodes and sequence flows a run visited. */
export function highlightPath(diagram, nodes, flows) {
  const canvas = diagram.get("canvas");
  const registry = diagram.get("elementRegistry");
  for (const element of registry.getAll()) {
    canvas.removeMarker(element, "ek-path-node");
    canvas.removeMarker(element, "ek-path-flow");
  }
  const mark = (ids, marker) => {
    for (const id of ids || []) {
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
      }
    }
  };
  mark(nodes, "ek-path-node");
  mark(flows, "ek-path-flow");
}

const CHANGE_KINDS = new Set(["added", "removed", "changed"]);

/**
 * Mark elements from `counts` ({id: value}). A number (visits in coverage,
 * instances waiting) shows as a badge, with `ek-count-zero` on elements
 * never reached; "added", "removed" or "changed" (a version diff) marks the
 * element `ek-diff-<kind>`. Returns the ids not on the diagram.
 */
export function markCounts(diagram, counts) {
  const canvas = diagram.get("canvas");
  const overlays = diagram.get("overlays");
  const registry = diagram.get("elementRegistry");
  overlays.remove({ type: "ek-count" });
  const missing = [];
  for (const [id, value] of Object.entries(counts || {})) {
    if (!registry.get(id)) {
      missing.push(id);
      continue;
    }
    if (CHANGE_KINDS.has(value)) {
      canvas.addMarker(id, `ek-diff-${value}`);
      continue;
    }
    canvas.addMarker(id, value ? "ek-count" : "ek-count-zero");
    const badge = document.createElement("div");
    badge.className = "ek-count-badge";
    badge.textContent = String(value);
    overlays.add(id, "ek-count", { position: { bottom: 8, left: -8 }, html: badge });
  }
  return missing;
}
